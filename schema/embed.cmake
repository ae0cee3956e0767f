# Writes the bytes of IN as `extern const unsigned char SYMBOL[]` (plus
# SYMBOL_size) into the C++ file OUT. Used at build time; nothing downloaded.
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" hex_len)
math(EXPR size "${hex_len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" body "${body}")
file(WRITE ${OUT} "// Generated from ${IN} by embed.cmake. Do not edit.\n#include <cstddef>\nnamespace sweep::schema::data {\nextern const unsigned char ${SYMBOL}[] = {\n${body}0};\nextern const size_t ${SYMBOL}_size = ${size};\n}\n")
