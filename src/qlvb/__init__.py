"""qlvb: Hệ thống quản lý văn bản và điều hành (document management and executive direction)."""

__version__ = "0.1.0"
