# Writes OUT, a C++ source defining `const char* NAME` that holds the text of FILE, so that
# presets shipped as readable YAML under configs/ are also available inside the binary.
file(READ "${FILE}" content)
string(LENGTH "${content}" len)
set(chunks "")
set(pos 0)
# Raw-string chunks stay below the compiler's literal size limits.
while(pos LESS len)
  string(SUBSTRING "${content}" ${pos} 8000 piece)
  string(APPEND chunks "R\"efgnn_embed(${piece})efgnn_embed\"\n")
  math(EXPR pos "${pos} + 8000")
endwhile()
file(WRITE "${OUT}.tmp" "// Generated from ${FILE}; do not edit.\nextern const char* const ${NAME};\nconst char* const ${NAME} =\n${chunks};\n")
file(RENAME "${OUT}.tmp" "${OUT}")
