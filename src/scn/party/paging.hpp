#pragma once

#include <scn/core/buffer.hpp>
#include <scn/core/clock.hpp>
#include <scn/http/message.hpp>
#include <scn/scpi/protocol.hpp>
#include <scn/store/catalog.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace scn::party {

/// Appends the page's objects to `out`, comma-separated, and returns how many.
using PageWriter =
    std::function<std::size_t(const store::TimeWindow&, std::size_t offset, std::size_t limit, core::Buffer& out)>;

/// The page as a byte range of a data file when it can be sent from there (see store::Catalog::page_file).
using PageFile =
    std::function<std::optional<store::FileRange>(const store::TimeWindow&, std::size_t offset, std::size_t limit)>;

/// Answers a paginated list GET: validates offset/limit/date_from/date_to, asks `count` and `page` for the window,
/// and adds Link, X-Total-Count and X-Limit. `list_url` is the public URL of the list (the Link base).
http::Response paged_response(const http::Request& request, std::string_view list_url, std::size_t max_limit,
                              const core::Clock& clock,
                              const std::function<std::size_t(const store::TimeWindow&)>& count, const PageWriter& page,
                              const PageFile& file = {});

/// A PageWriter over a catalog.
[[nodiscard]] PageWriter catalog_pages(const store::Catalog& catalog);
/// A PageFile over a catalog: pages of a generated data set go out with sendfile.
[[nodiscard]] PageFile catalog_files(const store::Catalog& catalog);
/// A PageWriter over a function that emits objects one by one.
[[nodiscard]] PageWriter emitted_pages(std::function<void(const store::TimeWindow&, std::size_t, std::size_t,
                                                          const std::function<void(std::string_view)>&)>
                                           page);

}  // namespace scn::party
