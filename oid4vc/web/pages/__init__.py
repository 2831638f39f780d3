"""Pages and pictures for people: QR codes (PNG, SVG) of offer links."""
