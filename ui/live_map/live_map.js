/* The live map: a Streamlit component (protocol of streamlit-component-lib, API version 1)
 * that keeps one Leaflet map alive across reruns.
 *
 * Python sends the base map once (a script built by folium: map, tiles, layer control,
 * and the layers below, created empty by the NAM functions), each large data set
 * (area geometry, asset points, outlines) once per content digest, and on every rerun
 * only what changed: per-area classes, values, margins and reliability, the visible
 * assets (a bit mask), the legend, the selection. The component answers with the
 * digests it holds ("have") and the user's last actions ("events": the last area or
 * asset clicked, the last shape drawn, the last view after a pan or zoom), numbered so
 * Python handles each once.
 *
 * Every string from data arrives already escaped by mapping.escape (names ending in
 * _html); nothing here builds markup from unescaped data.
 */
(function () {
  "use strict";

  var NO_DATA = "#8c8c8c";  // until the first style arrives (it names mapping.render's)
  var state = {
    baseKey: null, map: null, loading: false, loadedLinks: {},
    have: {}, pending: null, seq: Date.now(), events: {},
    style: null, styleText: null, visible: undefined, legendHtml: null, selected: null, height: null,
    areas: null, areaByGeoid: {}, assets: null, markers: [], markerById: {},
    outlines: null, legendBody: null, missingReports: 0,
  };
  window.NAM_STATE = state;

  function send(type, extra) {
    var msg = {isStreamlitMessage: true, type: type};
    for (var k in extra) { msg[k] = extra[k]; }
    window.parent.postMessage(msg, "*");
  }

  /* Each kind of action keeps its own slot ("click": area or asset; "shape": a drawing),
   * so a click that follows a drawing before Python has read it never replaces it. */
  function report(slot, event) {
    if (slot) {
      state.seq += 1;
      event.seq = state.seq;
      state.events[slot] = event;
    }
    var have = {};
    for (var k in state.have) { have[k] = state.have[k]; }
    send("streamlit:setComponentValue",
         {value: {have: have, base: state.baseKey, events: state.events}, dataType: "json"});
  }

  function showError(text) {
    var box = document.getElementById("nam_error");
    box.textContent = text;
    box.style.display = "block";
  }

  function loadCss(href) {
    if (state.loadedLinks[href]) { return; }
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = href;
    document.head.appendChild(link);
    state.loadedLinks[href] = true;
  }

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      if (state.loadedLinks[src]) { resolve(); return; }
      var s = document.createElement("script");
      s.src = src;
      s.async = false;
      s.onload = function () { state.loadedLinks[src] = true; resolve(); };
      s.onerror = function () { reject(new Error("The map library could not be loaded from " + src +
                                                 ". Check the network, or install the local copy (scripts/setup.sh).")); };
      document.head.appendChild(s);
    });
  }

  /* ---- layers the folium script creates (empty); data arrives later ---- */

  function decodeGeometry(polys, scale) {
    return {type: "MultiPolygon", coordinates: polys.map(function (rings) {
      return rings.map(function (r) {
        var out = [], x = 0, y = 0;
        for (var i = 0; i < r.length; i += 2) { x += r[i]; y += r[i + 1]; out.push([x / scale, y / scale]); }
        return out;
      });
    })};
  }

  // Per-area figures arrive packed (see ui/map_widget.py, pack_style): values and margins
  // as one text each, separated by "|"; classes and reliability one character per area.
  var SEP = "|";
  function unpackStyle(st) {
    if (!st || typeof st.v !== "string") { return st; }
    var n = st.k.length, out = {}, key;
    for (key in st) { out[key] = st[key]; }
    out.v = n ? st.v.split(SEP) : [];
    out.m = n ? st.m.split(SEP) : [];
    out.k = new Array(n);
    out.r = new Array(n);
    for (var i = 0; i < n; i++) {
      var c = st.k.charCodeAt(i);
      out.k[i] = c === 120 ? -1 : c - 48;  // "x": no data
      out.r[i] = st.r.charCodeAt(i) - 48;
    }
    return out;
  }

  function areaStyle(feature) {
    var p = feature.properties, st = state.style, i = p.i;
    var k = st ? st.k[i] : -1, r = st ? st.r[i] : 0;
    var s = {weight: 0.5, color: "#ffffff", opacity: 0.9, fillOpacity: 0.75,
             fillColor: !st ? NO_DATA : k < 0 ? st.no_data : st.colors[k], dashArray: null};
    if (st && st.edge) { s.color = st.edge; s.weight = 1.2; s.opacity = 1; s.fillOpacity = 0.9; }
    if (r === 2) { s.color = "#3b3b3b"; s.weight = 1.4; s.dashArray = "3 3"; s.fillOpacity = 0.3; }
    if (state.selected && state.selected.kind === "area" && state.selected.id === p.g) {
      s.color = "#d7301f"; s.weight = 3; s.dashArray = null; s.opacity = 1;
    }
    return s;
  }

  // Every area takes its style from the figures. On the canvas the options are set and
  // the canvas is redrawn once: Leaflet's setStyle asks a redraw of each area's box and
  // recomputes its bounds even when the outline's width has not changed.
  function restyleAreas() {
    var canvas = null;
    state.areas.eachLayer(function (l) {
      var s = areaStyle(l.feature), o = l.options, r = l._renderer;
      if (!r || !r._namFullRedraw) { l.setStyle(s); return; }
      var weight = o.weight, dash = o.dashArray;
      L.Util.extend(o, s);
      l._namLook = null;
      if (o.dashArray !== dash) { r._updateDashArray(l); }
      if (o.weight !== weight) { l._updateBounds(); }
      canvas = r;
    });
    if (canvas) { canvas._namFullRedraw(); }
  }

  function areaTooltip(layer) {
    var p = layer.feature.properties, st = state.style;
    if (!st) { return "<b>" + p.n + "</b>"; }
    var i = p.i;
    return "<b>" + p.n + "</b><br>" + st.label_html + ": <b>" + st.v[i] + "</b>" +
      (st.m[i] ? " &plusmn; " + st.m[i] : "") + "<br><i>" + st.reliability_html[st.r[i]] + "</i>";
  }

  function select(kind, id) {
    var before = state.selected;
    state.selected = kind ? {kind: kind, id: id} : null;
    if (before && before.kind === "area" && state.areaByGeoid[before.id]) {
      state.areas.resetStyle(state.areaByGeoid[before.id]);
    }
    if (before && before.kind === "asset" && state.markerById[before.id] !== undefined) {
      styleMarker(state.markers[state.markerById[before.id]], false);
    }
    if (kind === "area" && state.areaByGeoid[id]) {
      var l = state.areaByGeoid[id];
      state.areas.resetStyle(l);
      l.bringToFront();
    }
    if (kind === "asset" && state.markerById[id] !== undefined) {
      styleMarker(state.markers[state.markerById[id]], true);
    }
  }

  // Markers with a shape per category as well as a colour (issue #17: colour alone does
  // not tell categories apart for everyone). Leaflet draws a circle marker on the canvas
  // (or SVG); these draw the category's outline instead, hit-tested as the circle.
  function shapeOutline(shape, x, y, r) {
    if (shape === "square") {
      var h = r * 0.9;
      return [[x - h, y - h], [x + h, y - h], [x + h, y + h], [x - h, y + h]];
    }
    if (shape === "triangle") {
      return [[x, y - 1.15 * r], [x + 1.1 * r, y + 0.85 * r], [x - 1.1 * r, y + 0.85 * r]];
    }
    if (shape === "diamond") {
      return [[x, y - 1.25 * r], [x + 1.25 * r, y], [x, y + 1.25 * r], [x - 1.25 * r, y]];
    }
    if (shape === "wedge") {
      return [[x - 1.1 * r, y - 0.85 * r], [x + 1.1 * r, y - 0.85 * r], [x, y + 1.15 * r]];
    }
    return null;  // a circle
  }

  // The path of a marker centred on (x, y), as Leaflet's canvas draws a circle marker.
  function markerPath(ctx, shape, x, y, r) {
    var pts = shapeOutline(shape, x, y, r);
    ctx.beginPath();
    if (!pts) { ctx.arc(x, y, r, 0, Math.PI * 2, false); return; }
    ctx.moveTo(pts[0][0], pts[0][1]);
    for (var i = 1; i < pts.length; i++) { ctx.lineTo(pts[i][0], pts[i][1]); }
    ctx.closePath();
  }

  // A marker's look drawn once into a small canvas (a sprite) per style, then copied to
  // the map's canvas at each marker's pixel: tens of thousands of markers share a handful
  // of styles, and one copy costs far less than building, filling and stroking a path.
  function markerSprite(renderer, layer) {
    var dpr = renderer._namDpr || window.devicePixelRatio || 1;
    if (layer._namSprite && layer._namSprite.dpr === dpr) { return layer._namSprite; }
    var o = layer.options;
    var r = Math.max(Math.round(layer._radius), 1);
    var key = [o.shape || "circle", r, o.fill, o.fillColor, o.fillOpacity, o.stroke, o.color,
               o.opacity, o.weight, o.dashArray, dpr].join("|");
    var sprites = renderer._namSprites || (renderer._namSprites = {byKey: {}, count: 0});
    var sprite = sprites.byKey[key];
    if (!sprite) {
      // Half the sprite's side: the shape's reach (shapeOutline), half the outline, and a
      // pixel for anti-aliasing.
      var reach = {square: 0.9 * Math.SQRT2, triangle: 1.42, diamond: 1.25, wedge: 1.42}[o.shape] || 1;
      var half = Math.ceil(reach * r + (o.stroke ? o.weight / 2 : 0)) + 1;
      var canvas = document.createElement("canvas");
      canvas.width = canvas.height = Math.ceil(2 * half * dpr);
      var ctx = canvas.getContext("2d");
      ctx.scale(dpr, dpr);
      markerPath(ctx, o.shape, half, half, r);
      renderer._fillStroke(ctx, layer);
      sprites.count += 1;
      sprite = sprites.byKey[key] = {canvas: canvas, half: half, id: sprites.count, dpr: dpr};
    }
    layer._namSprite = sprite;
    return sprite;
  }

  // Before the markers' raster is drawn, markers that a later marker of the same look covers at the same
  // pixel are skipped (walking the draw order backwards, the first seen is the one on
  // top). At a state's zoom tens of thousands of assets share a few thousand pixels; the
  // skipped copies would sit under an identical one, only their anti-aliased rims and the
  // 5% the fill lets through would differ. Each look keeps one bit per pixel of the
  // canvas: "a marker of this look is drawn here, above".
  function cullCovered(renderer) {
    var all = renderer._bounds;
    if (!all) { return; }
    var x0 = Math.floor(all.min.x), y0 = Math.floor(all.min.y);
    var w = Math.ceil(all.max.x) - x0 + 1, h = Math.ceil(all.max.y) - y0 + 1;
    var grid = renderer._namGrid;
    if (!grid || grid.w !== w || grid.h !== h) {
      grid = renderer._namGrid = {w: w, h: h, bits: {}};
    }
    for (var id in grid.bits) { grid.bits[id].fill(0); }
    for (var o = renderer._drawLast; o; o = o.prev) {
      var l = o.layer;
      if (!l._namMarker) { continue; }
      l._namSkip = false;
      if (l._namHidden || !l._point || l._empty()) { continue; }
      var x = Math.round(l._point.x) - x0, y = Math.round(l._point.y) - y0;
      if (x < 0 || y < 0 || x >= w || y >= h) { continue; }  // never skipped
      var sprite = markerSprite(renderer, l);
      var seen = grid.bits[sprite.id] || (grid.bits[sprite.id] = new Uint8Array((w * h + 7) >> 3));
      var cell = y * w + x, bit = 1 << (cell & 7);
      if (seen[cell >> 3] & bit) { l._namSkip = true; } else { seen[cell >> 3] |= bit; }
    }
  }

  // The map's canvas renderer, extended once:
  // - a full redraw can be asked for at once (_namFullRedraw): a restyle of every area or
  //   a toggle of thousands of markers clears and draws the canvas once, with no box
  //   grown layer by layer and no per-layer box test while drawing;
  // - the areas are drawn by drawAreas: each area's path is kept (areaPath) and the
  //   canvas's style is set only when the next area looks different. Building 9,000
  //   small paths and setting seven style properties for each took about half of a
  //   state-sized redraw;
  // - the markers come from a raster of their own (drawMarkerRaster), on which a marker
  //   that a later identical marker covers is skipped (cullCovered).
  function extendCanvas() {
    if (L.Canvas.prototype._namFullRedraw) { return; }
    var proto = L.Canvas.prototype, extend = proto._extendRedrawBounds, redraw = proto._redraw;
    // What changes the markers' raster: a marker added, removed, moved, restyled or
    // brought forward, or a new view (pan, zoom, size). Their visibility is the mask's.
    var marking = {};
    ["_addPath", "_removePath", "_updatePath", "_updateStyle", "_bringToFront",
     "_bringToBack"].forEach(function (name) {
      var original = proto[name];
      marking[name] = function (layer) {
        if (layer && layer._namMarker) { this._namEpoch = (this._namEpoch || 0) + 1; }
        return original.apply(this, arguments);
      };
    });
    ["_update", "_updatePaths"].forEach(function (name) {
      var original = proto[name];
      marking[name] = function () {
        this._namEpoch = (this._namEpoch || 0) + 1;
        return original.apply(this, arguments);
      };
    });
    L.Canvas.include(marking);
    L.Canvas.include({
      _namFullRedraw: function () {
        if (!this._map) { return; }
        this._namFull = true;
        this._redrawBounds = null;
        this._redrawRequest = this._redrawRequest || L.Util.requestAnimFrame(this._redraw, this);
      },
      _extendRedrawBounds: function (layer) {
        if (!this._namFull) { extend.call(this, layer); }
      },
      _redraw: function () {
        if (this._namFull) { this._redrawBounds = null; this._namFull = false; }
        redraw.call(this);
      },
      _draw: function () {
        var bounds = this._redrawBounds, ctx = this._ctx, areas = [];
        ctx.save();
        if (bounds) {
          var size = bounds.getSize();
          ctx.beginPath();
          ctx.rect(bounds.min.x, bounds.min.y, size.x, size.y);
          ctx.clip();
        }
        this._drawing = true;
        for (var order = this._drawFirst; order; order = order.next) {
          var layer = order.layer;
          if (layer._namMarker) { continue; }  // from their raster, above the rest
          if (bounds && !(layer._pxBounds && layer._pxBounds.intersects(bounds))) { continue; }
          if (layer._namArea) { areas.push(layer); continue; }
          if (areas.length) { drawAreas(ctx, areas); areas = []; }
          layer._updatePath();
        }
        if (areas.length) { drawAreas(ctx, areas); }
        if (state.markers.length) { drawMarkerRaster(this, ctx); }
        this._drawing = false;
        ctx.restore();
      }
    });
  }

  // The markers are drawn on a canvas of their own (a raster as large as the map's) and
  // copied over the areas: restyling the areas does not draw 50,000 markers again. The
  // raster of the markers shown before is kept beside it, so a filter taken off again
  // (back to every asset) copies that one. Either is drawn again when a marker or the
  // view changes (_namEpoch).
  function drawMarkerRaster(renderer, ctx) {
    var key = (renderer._namEpoch || 0) + ":" + state.visible;
    var w = renderer._container.width, h = renderer._container.height;
    var fits = function (r) { return r && r.key === key && r.w === w && r.h === h; };
    var raster = renderer._namRaster;
    if (!fits(raster)) {
      var spare = renderer._namSpare;
      renderer._namSpare = raster;
      if (fits(spare)) {
        raster = spare;
      } else {
        raster = spare || {canvas: document.createElement("canvas")};
        drawMarkers(renderer, raster, w, h);
        raster.key = key;
      }
      renderer._namRaster = raster;
    }
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);  // device pixels; the redraw's clip stays
    ctx.globalAlpha = 1;
    ctx.drawImage(raster.canvas, 0, 0);
    ctx.restore();
  }

  function drawMarkers(renderer, raster, w, h) {
    var canvas = raster.canvas;
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
    }
    raster.w = w;
    raster.h = h;
    var rctx = canvas.getContext("2d"), main = renderer._ctx;
    rctx.setTransform(1, 0, 0, 1, 0, 0);
    rctx.clearRect(0, 0, w, h);
    rctx.setTransform(main.getTransform());
    renderer._ctx = rctx;  // the raster holds every marker in view, whatever the redraw's box
    renderer._namDpr = window.devicePixelRatio || 1;  // read once per raster
    try {
      cullCovered(renderer);
      for (var order = renderer._drawFirst; order; order = order.next) {
        if (order.layer._namMarker) { order.layer._updatePath(); }
      }
    } finally {
      renderer._ctx = main;
    }
  }

  // What an area's fill and outline look like, compared between neighbours in the draw
  // order (forgotten when its style is set).
  function areaLook(layer) {
    if (layer._namLook) { return layer._namLook; }
    var o = layer.options;
    layer._namLook = {fillKey: o.fillColor + "|" + o.color + "|" + o.fillOpacity,
                      strokeKey: [o.color, o.weight, o.opacity, o.dashArray, o.lineCap,
                                  o.lineJoin].join("|"),
                      dash: o._dashArray || []};
    return layer._namLook;
  }

  // An area's path on the canvas, kept until Leaflet projects or clips it again (a pan or
  // a zoom gives it new parts).
  function areaPath(layer) {
    if (layer._namPathOf !== layer._parts) {
      var path = new Path2D(), parts = layer._parts;
      for (var j = 0; j < parts.length; j++) {
        var ring = parts[j];
        for (var k = 0; k < ring.length; k++) {
          if (k) { path.lineTo(ring[k].x, ring[k].y); } else { path.moveTo(ring[k].x, ring[k].y); }
        }
        path.closePath();
      }
      layer._namPath = path;
      layer._namPathOf = parts;
    }
    return layer._namPath;
  }

  // Every fill before every outline: no area's fill covers half of its neighbour's
  // border, and the heavier outlines (an unreliable area's dashes, the clicked area) are
  // stroked last.
  function drawAreas(ctx, layers) {
    var last = null, strokes = [], i, l, o;
    for (i = 0; i < layers.length; i++) {
      l = layers[i];
      if (!l._parts || !l._parts.length) { continue; }
      o = l.options;
      if (o.stroke && o.weight !== 0) { strokes.push(l); }
      if (!o.fill) { continue; }
      var look = areaLook(l);
      if (look !== last && (!last || look.fillKey !== last.fillKey)) {
        ctx.globalAlpha = o.fillOpacity;
        ctx.fillStyle = o.fillColor || o.color;
      }
      last = look;
      ctx.fill(areaPath(l), o.fillRule || "evenodd");
    }
    // Heavier outlines last (stable: Array.prototype.sort keeps the order of equals).
    strokes.sort(function (a, b) { return a.options.weight - b.options.weight; });
    last = null;
    for (i = 0; i < strokes.length; i++) {
      l = strokes[i];
      o = l.options;
      var sl = areaLook(l);
      if (sl !== last && (!last || sl.strokeKey !== last.strokeKey)) {
        ctx.setLineDash(sl.dash);
        ctx.globalAlpha = o.opacity;
        ctx.lineWidth = o.weight;
        ctx.strokeStyle = o.color;
        ctx.lineCap = o.lineCap;
        ctx.lineJoin = o.lineJoin;
      }
      last = sl;
      ctx.stroke(areaPath(l));
    }
    ctx.setLineDash([]);
  }

  function shapeMarker(latlng, options) {
    if (!state.ShapeMarker) {
      extendCanvas();
      L.Canvas.include({
        _updateNamMarker: function (layer) {
          if (!this._drawing || layer._namSkip || layer._empty()) { return; }
          var sprite = markerSprite(this, layer), ctx = this._ctx, h = sprite.half;
          ctx.globalAlpha = 1;
          ctx.drawImage(sprite.canvas, Math.round(layer._point.x) - h,
                        Math.round(layer._point.y) - h, 2 * h, 2 * h);
        }
      });
      L.SVG.include({
        _updateNamMarker: function (layer) {
          var r = Math.max(Math.round(layer._radius), 1), p = layer._point;
          var pts = shapeOutline(layer.options.shape, p.x, p.y, r);
          if (!pts) { return this._updateCircle(layer); }
          this._setPath(layer, layer._empty() ? "M0 0" : "M" + pts.map(function (q) {
            return q[0].toFixed(1) + "," + q[1].toFixed(1);
          }).join("L") + "Z");
        }
      });
      state.ShapeMarker = L.CircleMarker.extend({
        _namMarker: true,
        setStyle: function (style) {
          this._namSprite = null;
          return L.CircleMarker.prototype.setStyle.call(this, style);
        },
        setRadius: function (radius) {
          this._namSprite = null;
          return L.CircleMarker.prototype.setRadius.call(this, radius);
        },
        _containsPoint: function (p) {  // a filtered-out marker is not there for the mouse
          return !this._namHidden && L.CircleMarker.prototype._containsPoint.call(this, p);
        },
        _updatePath: function () {
          if (this._namHidden) { return; }
          this._renderer._updateNamMarker(this);
        }
      });
    }
    return new state.ShapeMarker(latlng, options);
  }

  function styleMarker(m, selected) {
    m.setStyle(selected ? {radius: 8, color: "#d7301f", weight: 3}
                        : {radius: 5, color: "#1b1b1b", weight: 1});
    if (selected) { m.bringToFront(); }
  }

  var NAM = {
    areaLayer: function () {
      extendCanvas();
      state.areas = L.geoJson(null, {
        style: areaStyle,
        onEachFeature: function (f, l) {
          l._namArea = true;  // drawn by drawAreas on the canvas
          l.setStyle = function (style) {
            this._namLook = null;
            return L.Polygon.prototype.setStyle.call(this, style);
          };
          state.areaByGeoid[f.properties.g] = l;
          l.bindTooltip(areaTooltip, {sticky: true, className: "nam-tip"});
          l.on("click", function () {
            select("area", f.properties.g);
            report("click", {kind: "area", id: f.properties.g});
          });
        },
      });
      return state.areas;
    },
    assetLayer: function () {
      state.assets = L.featureGroup();
      return state.assets;
    },
    outlineLayer: function () {
      state.outlines = L.geoJson(null, {
        style: function () { return {color: "#d7301f", weight: 2.2, fill: false, opacity: 0.9}; },
        onEachFeature: function (f, l) { l.bindTooltip(f.properties.label_html, {sticky: true}); },
      });
      return state.outlines;
    },
    legend: function (map) {
      var control = L.control({position: "bottomright"});
      control.onAdd = function () {
        var div = L.DomUtil.create("div", "nam-legend-box");
        var button = L.DomUtil.create("button", "nam-legend-toggle", div);
        button.type = "button";
        var body = L.DomUtil.create("div", "nam-legend", div);
        var hidden = false;
        try { hidden = window.localStorage.getItem("nam-legend-hidden") === "1"; } catch (e) { hidden = false; }
        function apply() {
          body.style.display = hidden ? "none" : "";
          button.textContent = hidden ? "Show legend" : "Hide legend";
          button.setAttribute("aria-expanded", hidden ? "false" : "true");
        }
        button.addEventListener("click", function () {
          hidden = !hidden;
          try { window.localStorage.setItem("nam-legend-hidden", hidden ? "1" : "0"); } catch (e) { /* private mode */ }
          apply();
        });
        apply();
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        state.legendBody = body;
        if (state.legendHtml !== null) { body.innerHTML = state.legendHtml; }
        return div;
      };
      control.addTo(map);
    },
    draw: function (map) {
      var drawn = L.featureGroup().addTo(map);
      new L.Control.Draw({
        position: "topleft",
        draw: {polyline: false, circle: false, marker: false, circlemarker: false,
               polygon: {allowIntersection: false}, rectangle: true},
        edit: {featureGroup: drawn, edit: false, remove: true},
      }).addTo(map);
      map.on(L.Draw.Event.CREATED, function (e) {
        drawn.clearLayers();
        drawn.addLayer(e.layer);
        report("shape", {kind: "shape", geometry: e.layer.toGeoJSON().geometry});
      });
      map.on(L.Draw.Event.DELETED, function () {
        if (drawn.getLayers().length === 0) { report("shape", {kind: "shape", geometry: null}); }
      });
    },
  };
  window.NAM = NAM;

  /* ---- data sets, each sent once per digest ---- */

  function ingest(name, text, args) {
    var data = JSON.parse(text);
    if (name === "areas") {
      state.areas.clearLayers();
      state.areaByGeoid = {};
      var scale = data.scale;
      state.areas.addData({type: "FeatureCollection", features: data.areas.map(function (d, i) {
        return {type: "Feature", geometry: decodeGeometry(d[2], scale), properties: {g: d[0], n: d[1], i: i}};
      })});
    } else if (name === "assets") {
      state.assets.clearLayers();
      state.markers = [];
      state.markerById = {};
      state.visible = undefined;
      var cats = args.categories;
      for (var i = 0; i < data.length; i++) {
        var p = data[i], c = cats[p[2]];
        var m = shapeMarker([p[0], p[1]], {radius: 5, color: "#1b1b1b", weight: 1,
                                           fillColor: c[1], fillOpacity: 0.95, shape: c[2]});
        m.feature = {type: "Feature", properties: {a: p[3]}, geometry: null};
        m._namHidden = false;  // shown until a filter's mask says otherwise
        m.bindTooltip("<b>" + p[4] + "</b><br>" + c[0] +
                      (p[5] ? "<br><i>approximate location (sensitive site)</i>" : ""),
                      {className: "nam-tip"});
        (function (id) {
          m.on("click", function () {
            select("asset", id);
            report("click", {kind: "asset", id: id});
          });
        })(p[3]);
        state.markerById[p[3]] = i;
        state.markers.push(m);
        state.assets.addLayer(m);
      }
    } else if (name === "outlines" && state.outlines) {
      state.outlines.clearLayers();
      state.outlines.addData(data);
    }
  }

  function clearData(name) {
    if (name === "areas" && state.areas) { state.areas.clearLayers(); state.areaByGeoid = {}; }
    if (name === "assets" && state.assets) {
      state.assets.clearLayers(); state.markers = []; state.markerById = {}; state.visible = undefined;
    }
    if (name === "outlines" && state.outlines) { state.outlines.clearLayers(); }
    delete state.have[name];
  }

  // Every marker stays on the map's canvas; a filtered-out one is flagged hidden (not
  // drawn, not hit-tested) and only the markers whose state changed are redrawn. Adding
  // and removing tens of thousands of layers took most of a filter change at 50,000 assets.
  function applyVisible(mask) {
    if (mask === state.visible) { return; }
    state.visible = mask;
    var bytes = null;
    if (mask) {
      var raw = atob(mask);
      bytes = new Uint8Array(raw.length);
      for (var j = 0; j < raw.length; j++) { bytes[j] = raw.charCodeAt(j); }
    }
    var changed = [];
    for (var i = 0; i < state.markers.length; i++) {
      var hidden = bytes !== null && ((bytes[i >> 3] >> (i & 7)) & 1) === 0;
      var m = state.markers[i];
      if (m._namHidden === hidden) { continue; }
      m._namHidden = hidden;
      if (hidden && m.isTooltipOpen()) { m.closeTooltip(); }
      if (m._map) { changed.push(m); }
    }
    // The markers have not moved: only their pixels are redrawn. When many changed, the
    // whole canvas once rather than the union of thousands of small boxes.
    var renderer = changed.length ? changed[0]._renderer : null;
    if (renderer && renderer._namFullRedraw && changed.length > 500) {
      renderer._namFullRedraw();
      return;
    }
    for (var k = 0; k < changed.length; k++) {
      var c = changed[k];
      if (c._renderer._requestRedraw) { c._renderer._requestRedraw(c); } else { c.redraw(); }
    }
  }

  /* ---- the base map, built by folium ---- */

  function buildBase(base, view) {
    if (state.map) { state.map.remove(); state.map = null; }
    state.have = {};
    state.areas = state.assets = state.outlines = state.legendBody = null;
    state.markers = []; state.markerById = {}; state.areaByGeoid = {};
    state.visible = undefined;
    state.styleText = null;
    var host = document.getElementById("map_host");
    host.innerHTML = base.html;  // folium's map div: markup from Python, no data in it
    var script = document.createElement("script");
    script.textContent = base.script + "\nwindow.map = " + base.map_name + ";";
    document.body.appendChild(script);
    if (!window.map) { throw new Error("The map could not be created."); }
    state.map = window.map;
    state.baseKey = base.key;
    // A view from a link, or from another page of the same data: kept only when it is
    // near this map's data (another dataset's view would show an empty map).
    if (view && isFinite(view.lat) && isFinite(view.lng) && isFinite(view.zoom) &&
        state.map.getBounds().pad(1.0).contains([view.lat, view.lng])) {
      state.map.setView([view.lat, view.lng], view.zoom, {animate: false});
    }
    wireWheel(state.map);
    var timer = null;
    state.map.on("moveend", function () {  // the view goes to the page URL (a shared link)
      clearTimeout(timer);
      timer = setTimeout(function () {
        var c = state.map.getCenter();
        report("view", {lat: Math.round(c.lat * 1e5) / 1e5, lng: Math.round(c.lng * 1e5) / 1e5,
                        zoom: state.map.getZoom()});
      }, 400);
    });
  }

  function wireWheel(map) {
    // The wheel scrolls the page until the person clicks into the map (or holds Ctrl).
    map.scrollWheelZoom.disable();
    map.on("click focus", function () { map.scrollWheelZoom.enable(); });
    map.on("mouseout", function () { map.scrollWheelZoom.disable(); });
    map.getContainer().addEventListener("wheel", function (e) {
      if (e.ctrlKey && !map.scrollWheelZoom.enabled()) {
        e.preventDefault();
        map.setZoom(map.getZoom() + (e.deltaY < 0 ? 1 : -1));
      }
    }, {passive: false});
  }

  function setHeight(height) {
    if (height === state.height) { return; }
    state.height = height;
    document.getElementById("map_host").style.height = height + "px";
    var div = document.querySelector("#map_host .folium-map");
    if (div) { div.style.height = height + "px"; }
    if (state.map) { state.map.invalidateSize(); }
    send("streamlit:setFrameHeight", {height: height});
  }

  function apply(args) {
    setHeight(args.height);
    var base = args.base;
    if (state.baseKey !== base.key) { buildBase(base, args.view); setHeight(args.height); }
    var changed = false, missing = false;
    var digests = args.digests, blobs = args.blobs || {};
    for (var name in digests) {
      var digest = digests[name];
      if (!digest) {
        if (state.have[name]) { clearData(name); changed = true; }
        continue;
      }
      if (state.have[name] === digest) { continue; }
      if (typeof blobs[name] === "string") {
        ingest(name, blobs[name], args);
        state.have[name] = digest;
        changed = true;
      } else {
        missing = true;
      }
    }
    // Restyling every area asks for a redraw of all of them: only when the figures (or
    // the areas) changed, not when an asset filter did.
    var styleText = JSON.stringify(args.style);
    if (changed || styleText !== state.styleText) {
      state.styleText = styleText;
      state.style = unpackStyle(args.style);
      if (state.areas) { restyleAreas(); }
    }
    if (state.assets) { applyVisible(args.visible); }
    if (args.legend_html !== state.legendHtml) {
      state.legendHtml = args.legend_html;
      if (state.legendBody) { state.legendBody.innerHTML = args.legend_html; }
    }
    var sel = args.selected;
    var same = (sel === null && state.selected === null) ||
      (sel && state.selected && sel.kind === state.selected.kind && sel.id === state.selected.id);
    if (!same) { select(sel ? sel.kind : null, sel ? sel.id : null); }
    else if (sel && sel.kind === "asset" && state.markerById[sel.id] !== undefined) {
      styleMarker(state.markers[state.markerById[sel.id]], true);
    }
    if (missing) {
      state.missingReports += 1;
      if (state.missingReports > 3) {
        showError("The map data did not arrive. Reload the page.");
        return;
      }
    } else {
      state.missingReports = 0;
    }
    if (changed || missing) { report(null, null); }
    nameFrame(args.title);
    document.body.setAttribute("data-nam-ready", "1");
  }

  // The frame's accessible name says what the map shows (the frame is on Streamlit's
  // origin, so its element in the page can be reached); the text is set as text.
  function nameFrame(title) {
    if (!title || title === state.title) { return; }
    state.title = title;
    document.title = title;
    var host = document.getElementById("map_host");
    host.setAttribute("role", "region");
    host.setAttribute("aria-label", title);
    try {
      if (window.frameElement) { window.frameElement.setAttribute("title", title); }
    } catch (e) { /* another origin: the document title still names it */ }
  }

  function onRender(args) {
    state.pending = args;
    if (state.loading) { return; }
    var links = args.base.js_links.filter(function (src) { return !state.loadedLinks[src]; });
    args.base.css_links.forEach(loadCss);
    if (links.length === 0) {
      var next = state.pending;
      state.pending = null;
      try { apply(next); } catch (e) { showError(String(e.message || e)); throw e; }
      return;
    }
    state.loading = true;
    links.reduce(function (p, src) { return p.then(function () { return loadScript(src); }); },
                 Promise.resolve())
      .then(function () {
        state.loading = false;
        var latest = state.pending;
        state.pending = null;
        if (latest) { onRender(latest); }
      }, function (err) {
        state.loading = false;
        showError(err.message);
      });
  }

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || data.type !== "streamlit:render") { return; }
    onRender(data.args || {});
  });
  send("streamlit:componentReady", {apiVersion: 1});
})();
