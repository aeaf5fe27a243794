# Writes OUT, a C++ file defining bs::control::kStatusPageHtml with the text
# of IN, so the daemon serves its status page without files on disk.
# Usage: cmake -DIN=page.html -DOUT=page.cpp -P embed_page.cmake
file(READ "${IN}" page)
string(FIND "${page}" ")bs_page\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${IN} contains the raw-string delimiter )bs_page\"")
endif()
file(WRITE "${OUT}.tmp"
  "// Generated from web/status.html by cmake/embed_page.cmake; do not edit.\n"
  "#include \"control/status_page.h\"\n\n"
  "namespace bs::control {\n"
  "const std::string_view kStatusPageHtml = R\"bs_page(${page})bs_page\";\n"
  "}  // namespace bs::control\n")
file(RENAME "${OUT}.tmp" "${OUT}")
