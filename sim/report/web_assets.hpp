// The browser assets that report.html inlines, compiled into capsim (cmake/embed_assets.cmake):
// uPlot (the chart library, pinned in package.json, installed by tools/install-deps.sh) and
// capsim's own script and style (sim/report/web/).
#pragma once

#include <string_view>

namespace capsim::web_assets {

extern const std::string_view uplot_js;
extern const std::string_view uplot_css;
extern const std::string_view uplot_license; // MIT: its notice goes with every copy
extern const std::string_view report_js;
extern const std::string_view report_css;

} // namespace capsim::web_assets
