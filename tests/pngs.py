"""Reading back the PNGs the views make in the kernel (``field_image.png_bytes``)."""

import struct
import zlib

import numpy as np


def decode_png(data: bytes) -> np.ndarray:
    """A PNG written by ``png_bytes`` (8-bit RGB or RGBA, no filters) read back as a
    ``(height, width, 3 or 4)`` uint8 array, checking each chunk's CRC."""
    data = bytes(data)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body), kind
        chunks[kind] = chunks.get(kind, b"") + body
        pos += 12 + length
    width, height, depth, color_type = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert depth == 8 and color_type in (2, 6) and b"IEND" in chunks
    channels = 3 if color_type == 2 else 4
    rows = np.frombuffer(zlib.decompress(chunks[b"IDAT"]), np.uint8).reshape(height, -1)
    assert (rows[:, 0] == 0).all()  # filter type "none" on every row
    return rows[:, 1:].reshape(height, width, channels)
