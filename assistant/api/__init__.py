"""The HTTP service: web chat API, channel webhooks, checkout redirects, health."""
