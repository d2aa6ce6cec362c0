# bpf_object(<name> SOURCE <file.bpf.c>)
#
# Compiles one BPF C file with clang, generates its libbpf skeleton (struct
# <name>_bpf, so it never collides with a C++ namespace <name>) with
# bpftool and exposes it as the INTERFACE target <name>_skel, whose include
# directory holds <name>.skel.h. The skeleton embeds the ELF object, so no
# binary ever opens a .o by path at run time and cannot drift from it.
#
# Header dependencies come from clang's depfile (-MD), so nobody lists
# headers by hand. The object path is also exported as the target property
# BPF_OBJECT for tests that inspect BTF.

find_program(BPF_CLANG NAMES clang-14 clang REQUIRED DOC "clang able to target BPF")
find_program(BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin REQUIRED DOC "bpftool for gen skeleton")

# Debian keeps asm/types.h under the multiarch directory, which clang does not
# search for -target bpf.
if(CMAKE_LIBRARY_ARCHITECTURE)
    set(BPF_MULTIARCH_INCLUDE "/usr/include/${CMAKE_LIBRARY_ARCHITECTURE}")
else()
    execute_process(COMMAND gcc -dumpmachine OUTPUT_VARIABLE _bpf_triple
                    OUTPUT_STRIP_TRAILING_WHITESPACE)
    set(BPF_MULTIARCH_INCLUDE "/usr/include/${_bpf_triple}")
endif()
if(NOT EXISTS "${BPF_MULTIARCH_INCLUDE}/asm/types.h")
    message(FATAL_ERROR "asm/types.h not found under ${BPF_MULTIARCH_INCLUDE}: install linux-libc-dev")
endif()

set(BPF_CFLAGS -target bpf -mcpu=v3 -O2 -g -std=gnu11 -Wall -Wextra -Werror
    -fno-strict-aliasing -Wno-unused-parameter
    CACHE STRING "flags for BPF objects")

function(bpf_object name)
    cmake_parse_arguments(ARG "" "SOURCE" "" ${ARGN})
    if(NOT ARG_SOURCE)
        message(FATAL_ERROR "bpf_object(${name}): SOURCE is required")
    endif()
    get_filename_component(src "${ARG_SOURCE}" ABSOLUTE)
    set(out_dir "${CMAKE_CURRENT_BINARY_DIR}/bpf")
    set(obj "${out_dir}/${name}.bpf.o")
    set(skel "${out_dir}/${name}.skel.h")

    add_custom_command(
        OUTPUT "${obj}"
        COMMAND ${CMAKE_COMMAND} -E make_directory "${out_dir}"
        COMMAND ${BPF_CLANG} ${BPF_CFLAGS}
                -I${PROJECT_SOURCE_DIR}/include -I${PROJECT_SOURCE_DIR}/bpf
                -idirafter ${BPF_MULTIARCH_INCLUDE}
                -MD -MF "${obj}.d" -c "${src}" -o "${obj}"
        DEPENDS "${src}"
        DEPFILE "${obj}.d"
        COMMENT "BPF ${name}"
        VERBATIM)

    add_custom_command(
        OUTPUT "${skel}"
        COMMAND ${CMAKE_COMMAND} -DBPFTOOL=${BPFTOOL} -DOBJ=${obj} -DNAME=${name}_bpf
                -DOUT=${skel} -P "${PROJECT_SOURCE_DIR}/cmake/GenSkeleton.cmake"
        DEPENDS "${obj}" "${PROJECT_SOURCE_DIR}/cmake/GenSkeleton.cmake"
        COMMENT "skeleton ${name}.skel.h"
        VERBATIM)

    add_custom_target(${name}_skel_gen DEPENDS "${skel}")
    add_library(${name}_skel INTERFACE)
    add_dependencies(${name}_skel ${name}_skel_gen)
    target_include_directories(${name}_skel INTERFACE "${out_dir}")
    set_property(TARGET ${name}_skel PROPERTY BPF_OBJECT "${obj}")
endfunction()
