"""Who is sending: the hub as a product, for targets whose messages name the sending software.

FIT-Connect's metadata names it (``author.product``: name, version, manufacturer); a receiver's
support desk reads it when a submission needs explaining.
"""

from __future__ import annotations

from hub import __version__

PRODUCT_NAME = "emscher-lippe-hub"
PRODUCT_VERSION: str = __version__

__all__ = ["PRODUCT_NAME", "PRODUCT_VERSION"]
