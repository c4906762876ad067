"""The stream protocol, sans I/O: no asyncio, socket or ssl import anywhere in this package.

constants (keys, codes), frames (one dataclass per frame), codec (encode_frame, encode_request,
decode_frame), reader (FrameReader), publish (hot-path Publish encoding), chunk (Deliver chunk
parsing).
"""
