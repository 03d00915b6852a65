def navigation(request):
    """The product's navigation; every page shows the same sections."""
    return {"nav_sections": []}
