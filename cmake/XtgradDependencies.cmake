# Every dependency is a Debian package found through its CMake config (or CMake's FindBLAS).
include(GNUInstallDirs)

find_package(xtensor 0.24 REQUIRED)
# xtensor-blas calls cblas; ask FindBLAS for OpenBLAS rather than whatever libblas.so points to.
set(BLA_VENDOR OpenBLAS)
find_package(BLAS REQUIRED)
find_package(xtensor-blas 0.20 REQUIRED)
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
    find_package(OpenMP REQUIRED COMPONENTS CXX)
endif()

# xtgrad::train: JSON configs, metrics and checkpoint histories.
find_package(nlohmann_json 3.10 REQUIRED)
# The applications' and benchmarks' command lines.
if(XTGRAD_BUILD_EXAMPLES OR XTGRAD_BUILD_BENCH)
    find_package(CLI11 2.1 REQUIRED)
endif()
