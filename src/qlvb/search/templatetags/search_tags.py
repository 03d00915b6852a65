"""Template tags other apps' document pages use to show the search app's state."""

from django import template

from qlvb.search import selectors

register = template.Library()


@register.inclusion_tag("search/_text_state_badge.html")
def text_state_badge(document_id: int):
    """Chữ của tệp: indexed / pending / failed, linking to the per-file page. The page that
    includes it has already checked the viewer may see the document."""
    state = selectors.document_text_state(document_id=document_id)
    return {"document_id": document_id, "state": state}
