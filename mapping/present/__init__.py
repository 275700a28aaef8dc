"""What reaches a page: the folium map builders and the escaping every string passes through."""
