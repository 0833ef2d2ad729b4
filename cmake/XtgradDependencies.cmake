# Every dependency is a Debian package found through its CMake config (or CMake's FindBLAS).
include(GNUInstallDirs)

find_package(xtensor 0.24 REQUIRED)
# xtensor-blas calls cblas; ask FindBLAS for OpenBLAS rather than whatever libblas.so points to.
set(BLA_VENDOR OpenBLAS)
find_package(BLAS REQUIRED)
find_package(xtensor-blas 0.20 REQUIRED)
# SIMD exp, tanh and erf for the fused layers (autograd/vector_math.hpp); header-only.
find_package(xsimd 8 REQUIRED)
# gzip-compressed IDX files (Fashion-MNIST ships as .gz).
find_package(ZLIB REQUIRED)

# .npz weight files (zip archives of .npy arrays). Found through pkg-config: Debian's libzip
# CMake config also imports its command-line tools, which are packaged apart (zipcmp, ...).
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBZIP REQUIRED IMPORTED_TARGET libzip>=1.7)

# oneDNN: the float32 gemm backend (autograd/gemm_backend.hpp); its Debian build runs on OpenMP,
# whose thread count xtgrad sets with OpenBLAS's. Found by its header and library: Debian's dnnl
# CMake config also demands OpenCL, which xtgrad does not use.
option(XTGRAD_ONEDNN "Build the oneDNN gemm backend (libdnnl-dev)" ON)
if(XTGRAD_ONEDNN)
    find_path(XTGRAD_DNNL_INCLUDE_DIR oneapi/dnnl/dnnl.h)
    find_library(XTGRAD_DNNL_LIBRARY dnnl)
    if(NOT XTGRAD_DNNL_INCLUDE_DIR OR NOT XTGRAD_DNNL_LIBRARY)
        message(FATAL_ERROR "oneDNN not found: install libdnnl-dev, or configure with "
                            "-DXTGRAD_ONEDNN=OFF (float32 products then run on OpenBLAS)")
    endif()
endif()
# OpenMP (GCC's libgomp): xtgrad's own loops over the threads of blas::set_num_threads
# (autograd/parallel.hpp), and oneDNN's threads.
find_package(OpenMP REQUIRED COMPONENTS CXX)

# MPI: data-parallel training (xtgrad::dist, mnist-train --distributed). AUTO builds it when MPI
# is found (Debian libopenmpi-dev), ON requires it, OFF leaves it out.
set(XTGRAD_MPI AUTO CACHE STRING "Build xtgrad::dist on MPI: AUTO, ON or OFF")
set_property(CACHE XTGRAD_MPI PROPERTY STRINGS AUTO ON OFF)
if(XTGRAD_MPI STREQUAL "ON")
    find_package(MPI REQUIRED COMPONENTS CXX)
elseif(XTGRAD_MPI STREQUAL "AUTO")
    find_package(MPI COMPONENTS CXX)
elseif(NOT XTGRAD_MPI STREQUAL "OFF")
    message(FATAL_ERROR "XTGRAD_MPI must be AUTO, ON or OFF, not '${XTGRAD_MPI}'")
endif()
if(MPI_CXX_FOUND)
    set(XTGRAD_HAVE_MPI ON)
    message(STATUS "xtgrad::dist: data-parallel training on MPI ${MPI_CXX_VERSION}")
else()
    set(XTGRAD_HAVE_MPI OFF)
    message(STATUS "xtgrad::dist: not built (no MPI; install libopenmpi-dev for it)")
endif()

# xtgrad::train: JSON configs, metrics and checkpoint histories.
find_package(nlohmann_json 3.10 REQUIRED)
# The applications' and benchmarks' command lines.
if(XTGRAD_BUILD_EXAMPLES OR XTGRAD_BUILD_BENCH)
    find_package(CLI11 2.1 REQUIRED)
endif()
