# Compiler options for the targets built here (never exported to consumers of the package).
function(xtgrad_apply_build_options target)
    target_compile_options(${target} PRIVATE
        -Wall -Wextra -Wpedantic
        # No fused multiply-add contraction: results stay bit-identical whatever -march is.
        -ffp-contract=off
        # sqrt need not set errno: GCC may then vectorise it (IEEE sqrt, the same bits).
        -fno-math-errno
        # GCC 12 warns falsely about string concatenation at -O3 (GCC bug 105651).
        $<$<AND:$<CXX_COMPILER_ID:GNU>,$<VERSION_LESS:$<CXX_COMPILER_VERSION>,13>>:-Wno-restrict>
        $<$<BOOL:${XTGRAD_WERROR}>:-Werror>
        $<$<BOOL:${XTGRAD_ARCH}>:-march=${XTGRAD_ARCH}>)
endfunction()

if(XTGRAD_SANITIZE)
    add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                        -fno-sanitize-recover=undefined)
    add_link_options(-fsanitize=address,undefined)
endif()
