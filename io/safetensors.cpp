#include "xtgrad/io/safetensors.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <fstream>
#include <limits>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "xtgrad/io/atomic_file.hpp"
#include "xtgrad/io/read_file.hpp"

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");

namespace xtgrad::io {

namespace {

constexpr std::uint64_t kMaxHeader = 100'000'000;  // the reference implementation's limit

}  // namespace

std::vector<std::uint8_t> safetensors_bytes(const Safetensors& content) {
    nlohmann::json header = nlohmann::json::object();
    if (!content.metadata.empty()) header["__metadata__"] = content.metadata;
    std::uint64_t offset = 0;
    for (const auto& [name, tensor] : content.tensors) {
        if (name == "__metadata__")
            throw std::invalid_argument("safetensors: reserved tensor name");
        std::visit(
            [&, &name = name](const auto& a) {
                using T = typename std::decay_t<decltype(a)>::value_type;
                const std::uint64_t size = a.size() * sizeof(T);
                header[name] = {
                    {"dtype", dtype_name<T>()},
                    {"shape", std::vector<std::size_t>(a.shape().begin(), a.shape().end())},
                    {"data_offsets", {offset, offset + size}}};
                offset += size;
            },
            tensor);
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');
    std::vector<std::uint8_t> bytes(8 + text.size());
    const std::uint64_t length = text.size();
    std::memcpy(bytes.data(), &length, 8);
    std::memcpy(bytes.data() + 8, text.data(), text.size());
    bytes.reserve(bytes.size() + offset);
    for (const auto& [name, tensor] : content.tensors)
        std::visit(
            [&](const auto& a) {
                const auto* p = reinterpret_cast<const std::uint8_t*>(a.data());
                bytes.insert(bytes.end(), p, p + a.size() * sizeof(*a.data()));
            },
            tensor);
    return bytes;
}

void save_safetensors(const std::filesystem::path& file, const Safetensors& content) {
    const auto bytes = safetensors_bytes(content);
    write_file_atomically(file, std::as_bytes(std::span(bytes)));
}

Safetensors parse_safetensors(std::span<const std::uint8_t> bytes, const std::string& name) {
    const auto fail = [&](const std::string& defect) { throw SafetensorsError(name, defect); };
    if (bytes.size() < 8)
        fail("too short for a safetensors file (" + std::to_string(bytes.size()) + " bytes)");
    std::uint64_t length = 0;
    std::memcpy(&length, bytes.data(), 8);
    if (length > kMaxHeader || length > bytes.size() - 8)
        fail("header length " + std::to_string(length) + " is past the file's " +
             std::to_string(bytes.size()) + " bytes (or above 100 MB)");
    nlohmann::json header;
    try {
        header = nlohmann::json::parse(bytes.begin() + 8,
                                       bytes.begin() + 8 + static_cast<std::ptrdiff_t>(length));
    } catch (const nlohmann::json::exception& e) {
        fail(std::string("invalid JSON header: ") + e.what());
    }
    if (!header.is_object()) fail("the header is not a JSON object");
    const std::span<const std::uint8_t> data = bytes.subspan(8 + length);

    Safetensors content;
    struct Range {
        std::uint64_t begin, end;
        std::string tensor;
    };
    std::vector<Range> ranges;
    for (const auto& field : header.items()) {
        const std::string& key = field.key();  // not a structured binding: lambdas capture it
        const nlohmann::json& entry = field.value();
        if (key == "__metadata__") {
            if (!entry.is_object()) fail("__metadata__ is not an object of strings");
            for (const auto& [k, v] : entry.items()) {
                if (!v.is_string()) fail("__metadata__ entry '" + k + "' is not a string");
                content.metadata[k] = v.get<std::string>();
            }
            continue;
        }
        const auto bad = [&](const std::string& what) { fail("tensor '" + key + "': " + what); };
        if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") ||
            !entry.contains("data_offsets"))
            bad("needs dtype, shape and data_offsets");
        const auto& dtype = entry.at("dtype");
        if (!dtype.is_string()) bad("dtype is not a string");
        const std::string type = dtype.get<std::string>();
        if (type != "F32" && type != "F64") bad("dtype " + type + " is not supported (F32, F64)");
        const std::size_t item = type == "F32" ? 4 : 8;
        const auto& shape_json = entry.at("shape");
        if (!shape_json.is_array() || shape_json.size() > 32)
            bad("shape is not a list of up to 32 sizes");
        Shape shape;
        for (const auto& d : shape_json) {
            if (!d.is_number_unsigned()) bad("shape holds something other than a size");
            shape.push_back(static_cast<std::size_t>(d.get<std::uint64_t>()));
        }
        const auto counted = checked_element_count(shape, item);
        if (const auto* defect = std::get_if<std::string>(&counted)) bad(*defect);
        const std::uint64_t count = std::get<std::uint64_t>(counted);
        const auto& offsets = entry.at("data_offsets");
        if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
            !offsets[1].is_number_unsigned())
            bad("data_offsets is not [begin, end]");
        const std::uint64_t begin = offsets[0].get<std::uint64_t>();
        const std::uint64_t end = offsets[1].get<std::uint64_t>();
        if (begin > end || end > data.size())
            bad("data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                "] are outside the " + std::to_string(data.size()) + " data bytes");
        if (end - begin != count * item)
            bad("shape " + to_string(shape) + " of " + type + " needs " +
                std::to_string(count * item) + " bytes, data_offsets give " +
                std::to_string(end - begin));
        ranges.push_back({begin, end, key});
        const std::uint8_t* from = data.data() + begin;
        if (item == 4) {
            Array<float> a = empty_array<float>(shape);
            if (count) std::memcpy(a.data(), from, count * 4);
            content.tensors.emplace(key, std::move(a));
        } else {
            Array<double> a = empty_array<double>(shape);
            if (count) std::memcpy(a.data(), from, count * 8);
            content.tensors.emplace(key, std::move(a));
        }
    }
    // The data must be covered exactly: no overlap, no hole, nothing after the last tensor.
    std::sort(ranges.begin(), ranges.end(), [](const Range& a, const Range& b) {
        return std::tie(a.begin, a.end) < std::tie(b.begin, b.end);
    });
    std::uint64_t covered = 0;
    for (const Range& r : ranges) {
        if (r.begin < covered) fail("tensor '" + r.tensor + "' overlaps the one before it");
        if (r.begin > covered)
            fail("a hole of " + std::to_string(r.begin - covered) + " bytes before tensor '" +
                 r.tensor + "'");
        covered = r.end;
    }
    if (covered != data.size())
        fail(std::to_string(data.size() - covered) + " bytes after the last tensor");
    return content;
}

Safetensors load_safetensors(const std::filesystem::path& file) {
    return parse_safetensors(read_whole_file<SafetensorsError>(file), file.string());
}

}  // namespace xtgrad::io
