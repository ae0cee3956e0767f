# sweep_embed_files(<out var> NAME <what, for the build log> HEADER <declaring header>
#                   NAMESPACE <C++ namespace> BASE <folder> FILES <file>...)
# Generates a C++ source (its path in <out var>) holding the files' bytes as
# `kEmbeddedFiles[]` / `kEmbeddedFileCount` in NAMESPACE (cmake/embed.cmake),
# rebuilt when a file changes. Add the source to the library that serves them.
function(sweep_embed_files out_var)
  cmake_parse_arguments(E "" "NAME;HEADER;NAMESPACE;BASE" "FILES" ${ARGN})
  set(deps)
  foreach(f ${E_FILES})
    list(APPEND deps ${E_BASE}/${f})
  endforeach()
  string(REPLACE " " "_" stem "${E_NAME}")
  set(out ${CMAKE_CURRENT_BINARY_DIR}/gen/${stem}_assets.cc)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DHEADER=${E_HEADER} -DNAMESPACE=${E_NAMESPACE}
            -DBASE=${E_BASE} "-DFILES=${E_FILES}" -P ${PROJECT_SOURCE_DIR}/cmake/embed.cmake
    DEPENDS ${deps} ${PROJECT_SOURCE_DIR}/cmake/embed.cmake
    COMMENT "embedding ${E_NAME}"
    VERBATIM)
  set(${out_var} ${out} PARENT_SCOPE)
endfunction()
