"""The web step: the Streamlit glue between the runner and the pages, split by concern."""
