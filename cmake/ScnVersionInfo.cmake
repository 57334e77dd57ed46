# Writes the commit the build comes from into a C++ source file; run at every build (cmake -P), it rewrites the file
# only when the commit changed, so nothing is recompiled otherwise.
# Inputs: SOURCE_DIR (the checkout), OUTPUT (the .cpp to write).
execute_process(COMMAND git -C "${SOURCE_DIR}" rev-parse --short=12 HEAD
                OUTPUT_VARIABLE commit OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE status)
if(NOT status EQUAL 0 OR commit STREQUAL "")
    set(commit "unknown")
else()
    execute_process(COMMAND git -C "${SOURCE_DIR}" status --porcelain --untracked-files=no
                    OUTPUT_VARIABLE changes ERROR_QUIET)
    if(NOT changes STREQUAL "")
        string(APPEND commit "-modified")
    endif()
endif()
file(CONFIGURE OUTPUT "${OUTPUT}"
     CONTENT "// Generated at build time by cmake/ScnVersionInfo.cmake.\nnamespace scn::cli {\nextern const char* const kBuildCommit;\nconst char* const kBuildCommit = \"@commit@\";\n}  // namespace scn::cli\n"
     @ONLY)
