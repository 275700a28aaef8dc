"""Newcomer Asset Map domain library.

Everything here is plain Python (pandas, GeoPandas, shapely, folium); nothing imports
Streamlit, so the same functions serve the app, the command line, the tests and the
benchmarks. Grouped by concern, with data flowing one way:

- ``sources``: datasets, the Census loader, uploads, the catalog (load)
- ``records``: the asset model and its database
- ``analysis``: filters, measures, MOE, profiles, gaps (pure)
- ``present``: the folium builders and escaping
- ``interchange``: Open Referral and public exports
- ``infra``: settings, errors, HTTP, attempt limits
"""
