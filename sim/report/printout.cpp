#include "sim/report/printout.hpp"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "sim/finance/finance.hpp"

namespace capsim {

using json = nlohmann::ordered_json;

namespace {

double number(const json& x) {
  return x.is_number() ? x.get<double>() : std::nan("");
}

// 1.23 GWh / 456 MWh / 7.8 kWh from joules.
std::string energy_text(double j) {
  const double wh = j / 3600;
  if (std::abs(wh) >= 1e9) return fmt::format("{:.3g} GWh", wh / 1e9);
  if (std::abs(wh) >= 1e6) return fmt::format("{:.3g} MWh", wh / 1e6);
  return fmt::format("{:.3g} kWh", wh / 1e3);
}

std::string power_text(double w) {
  if (std::abs(w) >= 1e9) return fmt::format("{:.3g} GW", w / 1e9);
  if (std::abs(w) >= 1e6) return fmt::format("{:.3g} MW", w / 1e6);
  return fmt::format("{:.3g} kW", w / 1e3);
}

std::string days_text(double s) {
  return fmt::format("{:.3g} d", s / 86400);
}

// 2.52M EFLOP: EFLOP counts run into the millions on large fleets.
std::string eflop_text(double flop) {
  const double e = flop / 1e18;
  if (!std::isfinite(e)) return "n/a";
  if (std::abs(e) >= 1e9) return fmt::format("{:.3g}B", e / 1e9);
  if (std::abs(e) >= 1e6) return fmt::format("{:.3g}M", e / 1e6);
  if (std::abs(e) >= 1e3) return fmt::format("{:.3g}k", e / 1e3);
  return fmt::format("{:.3g}", e);
}

std::string per_eflop_text(const json& x) {
  return x.is_number() ? fmt::format("{:.4g} USD", x.get<double>()) : std::string("n/a");
}

const json* finance_site(const json& summary, const std::string& name) {
  if (!summary.contains("finance") || !summary["finance"].contains("sites")) return nullptr;
  for (const auto& s : summary["finance"]["sites"])
    if (s["site"] == name) return &s;
  return nullptr;
}

const json* training_run(const json& summary, const std::string& job) {
  if (!summary.contains("finance") || !summary["finance"].contains("training_runs")) return nullptr;
  for (const auto& r : summary["finance"]["training_runs"])
    if (r["job"] == job) return &r;
  return nullptr;
}

std::string site_lines(const json& s) {
  std::string text;
  for (const auto& site : s["sites"])
    text += fmt::format(
        "  site {:<14} IT {:>9}  facility {:>9}  peak {:>8}  PUE {:.3f}  throttled {:5.1f}%  "
        "shed {:.4g} GPU-h\n",
        site["name"].get<std::string>(), energy_text(site["it_energy_j"].get<double>()),
        energy_text(site["facility_energy_j"].get<double>()),
        power_text(site["peak_facility_power_w"].get<double>()), site["mean_pue"].get<double>(),
        100 * site["throttled_fraction"].get<double>(), site["shed_gpu_hours"].get<double>());
  return text;
}

std::string job_lines(const json& s) {
  std::string text;
  for (const auto& j : s["jobs"]) {
    std::string done;
    if (j["completed"].get<bool>())
      done = "completed at " + days_text(j["completion_s"].get<double>());
    else if (j.value("backlog", false))
      done = "backlog (always has work)";
    else
      done = fmt::format("{:.1f}% done at the horizon",
                         100 * j["flop_done"].get<double>() / number(j["flop_total"]));
    std::string goodput = j["goodput_fraction"].is_null()
                              ? std::string("no goodput (no time with its GPUs before the horizon)")
                              : fmt::format("goodput {:.3f}", j["goodput_fraction"].get<double>());
    text += fmt::format("  job {:<15} {}; {}; {} interruptions; {:.4g} FLOP\n",
                        j["name"].get<std::string>(), done, goodput,
                        j["interruptions"].get<long long>(), j["flop_done"].get<double>());
    std::string losses = largest_losses(j["goodput_loss"], 3);
    if (!losses.empty()) text += fmt::format("      goodput lost to {}\n", losses);
    if (const json* run = training_run(s, j["name"].get<std::string>());
        run && run->contains("window_start_s") && (*run)["window_start_s"].is_number())
      text += fmt::format(
          "      cost {} over its {} window ({} GPU capital, {} capex, {} opex), {} per useful "
          "EFLOP\n",
          usd_text((*run)["cost_usd"].get<double>()),
          days_text((*run)["window_end_s"].get<double>() - (*run)["window_start_s"].get<double>()),
          usd_text((*run)["gpu_capital_usd"].get<double>()),
          usd_text((*run)["capex_usd"].get<double>()), usd_text((*run)["opex_usd"].get<double>()),
          per_eflop_text((*run)["cost_per_eflop_usd"]));
  }
  if (s.contains("inference"))
    for (const auto& j : s["inference"]) {
      auto fraction = [&](const char* key) {
        return j[key].is_number() ? fmt::format("{:.1f}%", 100 * j[key].get<double>())
                                  : std::string("n/a");
      };
      text += fmt::format(
          "  serving {:<11} {:.4g} output tokens; SLO attainment {}; demand unmet {}; replicas "
          "{:.1f} mean, {} max ({} GPUs); {:.4g} GPU-h\n",
          j["name"].get<std::string>(), j["output_tokens_served"].get<double>(),
          fraction("slo_attainment"), fraction("demand_unmet_fraction"),
          j["replicas_mean"].is_number() ? j["replicas_mean"].get<double>() : 0.0,
          j["replicas_max"].get<int>(), j["gpus_max"].get<int>(), j["gpu_hours"].get<double>());
      if (j.contains("cost_usd") && j["cost_usd"].is_number())
        text += fmt::format(
            "      cost {} over the horizon, {} per million output tokens\n",
            usd_text(j["cost_usd"].get<double>()),
            j["cost_per_million_tokens_usd"].is_number()
                ? fmt::format("{:.3f} USD", j["cost_per_million_tokens_usd"].get<double>())
                : std::string("n/a"));
    }
  return text;
}

// Sites side by side, each over the whole horizon: what a planner compares.
std::string comparison_table(const json& s) {
  std::vector<std::vector<std::string>> rows{{"site", "GPUs", "useful EFLOP", "goodput", "capex",
                                              "opex", "GPU capital", "total", "per useful EFLOP",
                                              "largest goodput losses"}};
  for (const auto& site : s["sites"]) {
    const std::string name = site["name"].get<std::string>();
    const json* f = finance_site(s, name);
    if (!f) return "";
    long long gpus = 0;
    for (const auto& c : s["clusters"])
      if (c["site"] == name) gpus += c["gpus"].get<long long>();
    rows.push_back(
        {name, fmt::format("{}", gpus), eflop_text((*f)["useful_flop"].get<double>()),
         site.contains("goodput_fraction") && site["goodput_fraction"].is_number()
             ? fmt::format("{:.3f}", site["goodput_fraction"].get<double>())
             : std::string("n/a"),
         usd_text((*f)["capex_usd"].get<double>()), usd_text((*f)["opex_usd"].get<double>()),
         usd_text((*f)["gpu_capital_usd"].get<double>()), usd_text((*f)["total_usd"].get<double>()),
         per_eflop_text((*f)["cost_per_eflop_usd"]),
         site.contains("goodput_loss") ? largest_losses(site["goodput_loss"], 3) : ""});
  }
  std::vector<std::size_t> width(rows.front().size(), 0);
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i)
      width[i] = std::max(width[i], row[i].size());
  std::string text = fmt::format(
      "  sites compared over the {} horizon (GPU capital + amortised site capex + opex):\n",
      days_text(s["horizon_s"].get<double>()));
  for (const auto& row : rows) {
    std::string line = "  ";
    for (std::size_t i = 0; i < row.size(); ++i) {
      const bool left = i == 0 || i + 1 == row.size();
      const std::size_t w = i + 1 == row.size() ? 0 : width[i];
      line += "  "; // not "  " + ...: GCC 12 warns falsely on that (bug 105651)
      line += left ? fmt::format("{:<{}}", row[i], w) : fmt::format("{:>{}}", row[i], w);
    }
    while (!line.empty() && line.back() == ' ')
      line.pop_back();
    text += line + "\n";
  }
  // Which side wins, and by how much.
  const json* best = nullptr;
  std::string best_name;
  for (const auto& site : s["sites"]) {
    const json* f = finance_site(s, site["name"].get<std::string>());
    if (!(*f)["cost_per_eflop_usd"].is_number()) continue;
    if (!best ||
        (*f)["cost_per_eflop_usd"].get<double>() < (*best)["cost_per_eflop_usd"].get<double>()) {
      best = f;
      best_name = site["name"].get<std::string>();
    }
  }
  if (best)
    for (const auto& site : s["sites"]) {
      const json* f = finance_site(s, site["name"].get<std::string>());
      if (f == best || !(*f)["cost_per_eflop_usd"].is_number()) continue;
      text += fmt::format(
          "    {} costs {:.2f}x {} per useful EFLOP\n", site["name"].get<std::string>(),
          (*f)["cost_per_eflop_usd"].get<double>() / (*best)["cost_per_eflop_usd"].get<double>(),
          best_name);
    }
  return text;
}

} // namespace

std::string largest_losses(const json& loss, std::size_t count) {
  std::vector<std::pair<double, std::string>> parts;
  for (const auto& [name, value] : loss.items()) {
    if (value.is_number()) {
      std::string label = name;
      std::replace(label.begin(), label.end(), '_', ' ');
      parts.emplace_back(value.get<double>(), label);
      continue;
    }
    double total = 0;
    std::vector<std::pair<double, std::string>> causes;
    for (const auto& [cause, share] : value.items()) {
      total += share.get<double>();
      causes.emplace_back(share.get<double>(), cause);
    }
    std::sort(causes.rbegin(), causes.rend());
    std::string detail;
    for (std::size_t i = 0; i < causes.size() && i < 2; ++i)
      detail += fmt::format("{}{} {:.1f}%", i ? ", " : "", causes[i].second, 100 * causes[i].first);
    if (causes.size() > 2) detail += ", ...";
    parts.emplace_back(total, name == "lost_work" && !detail.empty()
                                  ? "work lost at interruptions (" + detail + ")"
                                  : name);
  }
  std::stable_sort(parts.begin(), parts.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::string text;
  for (std::size_t i = 0; i < parts.size() && i < count; ++i) {
    if (parts[i].first < 5e-4) break;
    text += fmt::format("{}{:.1f}% {}", text.empty() ? "" : "; ", 100 * parts[i].first,
                        parts[i].second);
  }
  return text;
}

std::string readable_summary(const json& s, const PrintoutOptions& options) {
  std::string text =
      fmt::format("capsim {} — scenario '{}', seed {}, horizon {}\n",
                  s["capsim_version"].get<std::string>(), s["scenario"].get<std::string>(),
                  s["seed"].get<std::uint64_t>(), days_text(s["horizon_s"].get<double>()));
  text += site_lines(s);
  for (const auto& c : s["clusters"])
    text += fmt::format(
        "  cluster {:<11} {} x {:<6} {:9.4g} GPU-h installed, {:9.4g} available, {} failures, "
        "{}\n",
        c["name"].get<std::string>(), c["gpus"].get<long long>(), c["gpu"].get<std::string>(),
        c["gpu_hours_installed"].get<double>(), c["gpu_hours_available"].get<double>(),
        c["failures"].get<long long>(), cluster_lease_text(s, c));
  text += job_lines(s);
  if (s["sites"].size() > 1) text += comparison_table(s);
  const auto& f = s["finance"];
  text += "  cost " + usd_text(f["total_cost_usd"].get<double>());
  if (!f["cost_per_eflop_usd"].is_null())
    text += fmt::format(", {} per useful EFLOP", per_eflop_text(f["cost_per_eflop_usd"]));
  text += " (GPU capital, site capex amortised, opex; over the horizon)\n";
  text += finance_readable(s);
  if (!options.verbose) return text;
  text += fmt::format("  engine: {} events in {:.3f} s wall, peak RSS {:.0f} MB\n",
                      s["engine"]["events"].get<long long>(), s["engine"]["wall_s"].get<double>(),
                      s["engine"]["peak_rss_bytes"].get<double>() / 1e6);
  if (s["engine"].contains("profile")) {
    const auto& p = s["engine"]["profile"];
    const auto& m = s["engine"]["memory"];
    text += fmt::format(
        "  wall time: platform {:.3f} s, models {:.3f} s, SimGrid {:.3f} s, rows {:.3f} s; "
        "heap: {:.0f} B per host (platform), {:.0f} B per host (state)\n",
        p["platform_s"].get<double>(), p["models_s"].get<double>(), p["engine_s"].get<double>(),
        p["rows_s"].get<double>(), m["platform_bytes_per_host"].get<double>(),
        m["state_bytes_per_host"].get<double>());
  }
  return text;
}

} // namespace capsim
