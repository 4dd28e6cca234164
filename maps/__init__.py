"""Pure map helpers: ward geometry, distances, route planning and CDN-free folium rendering."""
