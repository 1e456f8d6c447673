# Warning flags for every crmsync target; -Werror only when CRMSYNC_WERROR is on (the CI preset).
function(crmsync_warnings target)
  # GCC 12 reports every member left out of a designated initializer, which is how tests and callers
  # are meant to build settings structs (members keep their defaults); GCC 13 no longer does.
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-missing-field-initializers)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC 12 at -O2 pairs Asio's coroutine-frame operator delete with the aligned_alloc inside its
    # operator new and reports a mismatch that is not there (the frame's own new/delete are a pair).
    target_compile_options(${target} PRIVATE -Wno-mismatched-new-delete)
    # GCC 12's -Wmaybe-uninitialized misfires on std::optional<std::string> members at -O2; it stays a
    # warning, but does not fail the build.
    target_compile_options(${target} PRIVATE -Wno-error=maybe-uninitialized)
  endif()
  if(CRMSYNC_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
