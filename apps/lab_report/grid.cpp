#include "grid.hpp"

#include <fnmatch.h>

#include <fstream>
#include <stdexcept>

namespace xtgrad::lab {

std::string RunSpec::stem() const {
    std::string text = name();
    std::string out;
    for (char c : text) out += c == '/' ? std::string("--") : std::string(1, c);
    return out;
}

const RunSpec* GridSpec::find(const std::string& name) const {
    for (const auto& run : runs)
        if (run.name() == name) return &run;
    return nullptr;
}

bool run_matches(const std::string& name, const std::string& pattern) {
    if (pattern.find_first_of("*?[") == std::string::npos)
        return name.find(pattern) != std::string::npos;
    return fnmatch(("*" + pattern + "*").c_str(), name.c_str(), 0) ==
           0;  // anywhere, like a substring
}

namespace {

std::string value_text(const nlohmann::json& value) {
    return value.dump();
}

/// Builds a run's config: common, then the part or sweep settings, then the mode's overrides
/// for its loss, then the quick overrides.
train::RunConfig make_config(const nlohmann::json& spec, const std::string& mode,
                             const std::vector<nlohmann::json>& layers, bool quick) {
    train::RunConfig config;
    train::apply_json(config, spec.at("common"));
    for (const auto& layer : layers) train::apply_json(config, layer);
    const auto& overrides = spec.at("modes").at(mode);
    const std::string loss(train::choice_name(config.loss));
    if (overrides.contains(loss)) train::apply_json(config, overrides.at(loss));
    if (quick) train::apply_json(config, spec.at("quick"));
    return config;
}

}  // namespace

GridSpec load_grid(const std::filesystem::path& file, const std::vector<std::string>& modes,
                   bool quick) {
    std::ifstream in(file);
    if (!in) throw std::runtime_error(file.string() + ": cannot open the grid spec");
    GridSpec grid;
    grid.modes = modes;
    grid.quick = quick;
    try {
        const nlohmann::json spec = nlohmann::json::parse(in);
        for (const auto& mode : modes)
            if (!spec.at("modes").contains(mode))
                throw std::invalid_argument("unknown mode '" + mode + "'");
        for (const auto& p : spec.at("parts"))
            grid.parts.push_back(
                {p.at("name"), p.at("title"), p.at("activations"), p.at("losses")});
        for (const auto& k : spec.at("sweeps").at("knobs"))
            grid.sweeps.push_back({k.at("name"), k.value("key", k.at("name").get<std::string>()),
                                   k.at("values").get<std::vector<nlohmann::json>>()});

        for (const auto& mode : modes) {
            for (std::size_t i = 0; i < grid.parts.size(); ++i) {
                const auto& part = grid.parts[i];
                for (const auto& act : part.activations)
                    for (const auto& loss : part.losses) {
                        const nlohmann::json cell = {{"act", act}, {"loss", loss}};
                        grid.runs.push_back(
                            {mode, part.name, act + "/" + loss,
                             make_config(spec, mode, {spec["parts"][i].at("config"), cell}, quick),
                             ""});
                    }
            }
            for (const auto& sweep : grid.sweeps)
                for (const auto& value : sweep.values) {
                    const nlohmann::json knob = {{sweep.key, value}};
                    grid.runs.push_back(
                        {mode, sweep.part(), sweep.knob + "=" + value_text(value),
                         make_config(spec, mode, {spec.at("sweeps").at("base"), knob}, quick), ""});
                }
        }
    } catch (const std::exception& e) {
        throw std::runtime_error(file.string() + ": " + e.what());
    }
    // A setting shared by several sweeps (the base point) is trained once.
    for (std::size_t i = 0; i < grid.runs.size(); ++i) {
        const auto config = train::to_json(grid.runs[i].config);
        for (std::size_t j = 0; j < i; ++j) {
            if (grid.runs[j].same_as.empty() && grid.runs[j].mode == grid.runs[i].mode &&
                train::to_json(grid.runs[j].config) == config) {
                grid.runs[i].same_as = grid.runs[j].name();
                break;
            }
        }
    }
    for (const auto& run : grid.runs) {
        const auto errors = train::validate(run.config);
        if (!errors.empty())
            throw std::runtime_error(file.string() + ": run " + run.name() + ": " + errors.front());
    }
    return grid;
}

}  // namespace xtgrad::lab
