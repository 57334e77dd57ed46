#include <scn/party/paging.hpp>
#include <scn/service/scpi_http.hpp>

namespace scn::party {

http::Response paged_response(const http::Request& request, std::string_view list_url, std::size_t max_limit,
                              const core::Clock& clock,
                              const std::function<std::size_t(const store::TimeWindow&)>& count,
                              const std::function<void(const store::TimeWindow&, std::size_t, std::size_t,
                                                       const std::function<void(std::string_view)>&)>& page) {
    const auto params = request.query_params();
    const auto query = [&](std::string_view name) -> std::optional<std::string> {
        for (const auto& [k, v] : params) {
            if (k == name) {
                return v;
            }
        }
        return std::nullopt;
    };
    const auto req = scpi::parse_page_request(query, max_limit);
    const store::TimeWindow window{req.date_from, req.date_to};
    const std::size_t total = count(window);
    std::string data = "[";
    std::size_t returned = 0;
    if (req.limit > 0) {
        page(window, req.offset, req.limit, [&](std::string_view json) {
            data += returned++ > 0 ? "," : "";
            data += json;
        });
    }
    data += "]";
    auto res = service::ok_raw(data, clock);
    const auto headers = scpi::page_headers(list_url, params, req, returned, total, max_limit);
    if (headers.link) {
        res.headers.add(scpi::header::kLink, *headers.link);
    }
    res.headers.add(scpi::header::kTotalCount, headers.total_count);
    res.headers.add(scpi::header::kLimit, headers.limit);
    return res;
}

}  // namespace scn::party
