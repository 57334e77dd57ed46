#include <scn/core/datetime.hpp>
#include <scn/party/paging.hpp>
#include <scn/service/scpi_http.hpp>

namespace scn::party {

PageWriter catalog_pages(const store::Catalog& catalog) {
    return [&catalog](const store::TimeWindow& w, std::size_t offset, std::size_t limit, core::Buffer& out) {
        return catalog.append_page(w, offset, limit, out);
    };
}

PageFile catalog_files(const store::Catalog& catalog) {
    return [&catalog](const store::TimeWindow& w, std::size_t offset, std::size_t limit) {
        return catalog.page_file(w, offset, limit);
    };
}

PageWriter emitted_pages(std::function<void(const store::TimeWindow&, std::size_t, std::size_t,
                                            const std::function<void(std::string_view)>&)>
                             page) {
    return
        [page = std::move(page)](const store::TimeWindow& w, std::size_t offset, std::size_t limit, core::Buffer& out) {
            std::size_t n = 0;
            page(w, offset, limit, [&](std::string_view json) {
                if (n++ > 0) {
                    out.push_back(',');
                }
                out.append(json);
            });
            return n;
        };
}

http::Response paged_response(const http::Request& request, std::string_view list_url, std::size_t max_limit,
                              const core::Clock& clock,
                              const std::function<std::size_t(const store::TimeWindow&)>& count, const PageWriter& page,
                              const PageFile& file) {
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
    // The envelope is written around the page in place: pages can be large, so no second copy. A page of a
    // generated data set is sent by the kernel straight from the file, between the envelope's two halves.
    std::string body = "{\"status_code\":1000,\"data\":[";
    std::string tail = "],\"timestamp\":\"";
    tail += core::format_datetime(clock.now());
    tail += "\"}";
    std::optional<store::FileRange> range;
    if (file && req.limit > 0) {
        range = file(window, req.offset, req.limit);
    }
    http::Response res = http::Response::json(200, std::move(body));
    std::size_t returned = 0;
    if (range) {
        returned = range->count;
        res.file = http::FileSlice{range->owner, range->fd, range->offset, range->length};
    } else {
        // Assembled in a pooled buffer, written from there: a large page costs no allocation or clearing.
        thread_local core::BufferPool pool;
        auto objects = pool.take();
        returned = req.limit > 0 ? page(window, req.offset, req.limit, *objects) : 0;
        const std::string_view bytes = objects->view();
        res.shared = http::SharedBytes{std::move(objects), bytes};
    }
    res.tail = std::move(tail);
    const auto headers = scpi::page_headers(list_url, params, req, returned, total, max_limit);
    if (headers.link) {
        res.headers.add(scpi::header::kLink, *headers.link);
    }
    res.headers.add(scpi::header::kTotalCount, headers.total_count);
    res.headers.add(scpi::header::kLimit, headers.limit);
    return res;
}

}  // namespace scn::party
