"""Streamlit helpers shared by app.py and the pages: session, guards, widgets, chart builders."""
