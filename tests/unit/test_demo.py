"""Demo County is deterministic, plainly synthetic, and shaped like the ACS tables."""

import numpy as np

from mapping.records.assets import CATEGORY_KEYS
from mapping.sources.demo import demo_dataset


def test_same_code_same_data(demo):
    again, assets = demo_dataset()
    assert again.indicators.equals(demo.area_set.indicators)
    assert assets["name"].tolist() == demo.assets["name"].tolist()


def test_demo_has_what_the_foundation_promises(demo):
    area_set = demo.area_set
    assert area_set.synthetic and "synthetic" in area_set.label
    assert 200 <= len(area_set.areas) <= 400
    origins = area_set.catalog.origins()
    assert len(origins) >= 15 and len(area_set.catalog.origins_by_region()) >= 5
    assert len(area_set.catalog.lep_variables()) == 12
    for topic in ("entry", "education", "poverty", "citizenship"):
        assert area_set.catalog.topic(topic), topic
    assert area_set.indicators["moe"].notna().all() and (area_set.indicators["moe"] > 0).all()
    assert len(demo.assets) >= 300 and set(demo.assets["category"]) == set(CATEGORY_KEYS)


def test_demo_parts_add_up(demo):
    est = demo.area_set.estimates
    origins = [v.id for v in demo.area_set.catalog.origins()]
    assert np.array_equal(est[origins].sum(axis=1), est["fb_total"])
    entry = [v.id for v in demo.area_set.catalog.topic("entry")]
    assert np.array_equal(est[entry].sum(axis=1), est["fb_total"])
    assert np.array_equal(est["fb_naturalized"] + est["fb_noncitizen"], est["fb_total"])
    languages = [v.id for v in demo.area_set.catalog.lep_variables()]
    assert np.array_equal(est[languages].sum(axis=1), est["lep_total"])
    assert (est["lep_total"] <= est["pop_5plus"]).all()


def test_every_demo_asset_lies_in_an_area(demo):
    assert demo.assets["geoid"].notna().all()
