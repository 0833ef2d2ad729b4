// Everything of xtgrad::io: file formats and the atomic-write helper they share.
#pragma once

#include "xtgrad/io/archive.hpp"
#include "xtgrad/io/atomic_file.hpp"
#include "xtgrad/io/npy.hpp"
#include "xtgrad/io/safetensors.hpp"
#include "xtgrad/io/tensor_file.hpp"
