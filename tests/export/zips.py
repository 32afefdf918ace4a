"""Zip files written byte by byte, so a test can make their headers say anything.

``member(name, data)`` deflates real data; ``spaces(size)`` is a member of ``size``
spaces built from one repeated deflate block, so a gigabyte costs a megabyte and a
moment (its CRC is worked out once per size). ``build`` lays members out as a real
archive with the sizes each one claims.
"""

from __future__ import annotations

import functools
import struct
import zlib
from dataclasses import dataclass

_BLOCK = 16 << 20


@dataclass(frozen=True)
class Member:
    name: str
    deflated: bytes
    crc: int
    size: int  # what the data unpacks to
    claimed: int | None = None  # the size the headers state, when they lie

    def lying(self, claimed: int, *, crc: int | None = None) -> Member:
        return Member(self.name, self.deflated, self.crc if crc is None else crc, self.size,
                      claimed)


def member(name: str, data: bytes) -> Member:
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    return Member(name, packer.compress(data) + packer.flush(), zlib.crc32(data), len(data))


_crcs = [0]
"""``_crcs[n]``: the CRC-32 of ``n`` blocks of spaces, kept as they are computed."""


def _spaces_crc(blocks: int) -> int:
    if len(_crcs) <= blocks:
        chunk = b" " * _BLOCK
        while len(_crcs) <= blocks:
            _crcs.append(zlib.crc32(chunk, _crcs[-1]))
    return _crcs[blocks]


@functools.cache
def _deflated_spaces(blocks: int) -> bytes:
    packer = zlib.compressobj(1, zlib.DEFLATED, -15)
    block = packer.compress(b" " * _BLOCK) + packer.flush(zlib.Z_FULL_FLUSH)
    return block * blocks + zlib.compressobj(1, zlib.DEFLATED, -15).flush()


def spaces(name: str, size: int) -> Member:
    """``size`` spaces (a multiple of 16 MiB, or less than that), deflated cheaply.

    The data and its CRC are computed once per size, however many members share it.
    """
    if size < _BLOCK:
        return member(name, b" " * size)
    assert size % _BLOCK == 0
    blocks = size // _BLOCK
    return Member(name, _deflated_spaces(blocks), _spaces_crc(blocks), size)


def build(members: list[Member]) -> bytes:
    """A zip archive (no zip64: every size below 4 GiB) of ``members``, deflated."""
    body = bytearray()
    central = bytearray()
    for m in members:
        name = m.name.encode("utf-8")
        size = m.size if m.claimed is None else m.claimed
        offset = len(body)
        body += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0x800, 8, 0, 0x21, m.crc,
                            len(m.deflated), size, len(name), 0) + name + m.deflated
        central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0x800, 8, 0, 0x21, m.crc,
                               len(m.deflated), size, len(name), 0, 0, 0, 0, 0,
                               offset) + name
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members),
                      len(central), len(body), 0)
    return bytes(body + central + end)
