from typing import Any

# (URL prefix under /api/, viewset, basename): each views module lists its resources here.
Routes = list[tuple[str, Any, str]]
