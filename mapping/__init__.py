"""Newcomer Asset Map domain library.

Everything here is plain Python (pandas, GeoPandas, shapely, folium); nothing imports
Streamlit, so the same functions serve the app, the command line, the tests and the
benchmarks. Data flows one way: ``datasets`` (load) -> ``filters``/``measures`` (pure)
-> ``profile`` (analysis) -> ``render`` (folium builders).
"""
