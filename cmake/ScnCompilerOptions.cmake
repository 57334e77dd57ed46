# Warnings and sanitizers shared by every scn-tools target (applied through scn_options).
add_library(scn_options INTERFACE)
target_compile_options(scn_options INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                             -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough)
# GCC 12 false positives at -O2: -Wrestrict inside libstdc++ for `"literal" + std::string` (GCC bug 105329), and
# -Wmismatched-new-delete on Asio's coroutine frames, whose operator new/delete pair it cannot see through.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(scn_options INTERFACE -Wno-restrict -Wno-mismatched-new-delete)
endif()
if(SCN_WARNINGS_AS_ERRORS)
    target_compile_options(scn_options INTERFACE -Werror)
endif()

if(SCN_SANITIZE)
    # GCC's -Wmaybe-uninitialized misfires on the sanitizers' instrumentation (here: member-function pointers
    # called from a lambda at -O1); the release build keeps the warning.
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
        target_compile_options(scn_options INTERFACE -Wno-maybe-uninitialized)
    endif()
    string(REPLACE ";" "," _scn_sanitizers "${SCN_SANITIZE}")
    target_compile_options(scn_options INTERFACE -fsanitize=${_scn_sanitizers} -fno-omit-frame-pointer
                                                 -fno-sanitize-recover=all)
    target_link_options(scn_options INTERFACE -fsanitize=${_scn_sanitizers})
endif()

# Boost.Asio: no deprecated interfaces.
target_compile_definitions(scn_options INTERFACE BOOST_ASIO_NO_DEPRECATED)
