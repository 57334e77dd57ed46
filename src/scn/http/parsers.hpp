#pragma once

// Beast's HTTP/1.1 parser writing straight into our message types: the request line, each header field and the body
// go to a Request or ClientResponse as Beast reads them, with no Beast field container in between (that container
// allocated, hashed and tree-sorted every field, and then we copied them out). Internal to the HTTP library.

#include <scn/http/client.hpp>
#include <scn/http/message.hpp>

#include <boost/beast/http/basic_parser.hpp>

#include <algorithm>
#include <cstdint>
#include <string>

namespace scn::http::detail {

/// What both parsers do with a body: append it to a string, with the announced length (within the parser's body
/// limit) reserved up front.
template <bool isRequest>
class MessageParser : public boost::beast::http::basic_parser<isRequest> {
protected:
    using error_code = boost::beast::error_code;
    using string_view = boost::beast::string_view;
    using field = boost::beast::http::field;

    MessageParser(std::string& body, std::uint64_t body_limit, std::uint32_t header_limit)
        : body_(body), body_limit_(body_limit) {
        this->body_limit(body_limit);
        this->header_limit(header_limit);
    }

private:
    void on_header_impl(error_code&) override {}
    void on_body_init_impl(const boost::optional<std::uint64_t>& content_length, error_code&) override {
        if (content_length) {
            body_.reserve(static_cast<std::size_t>(std::min(*content_length, body_limit_)));
        }
    }
    std::size_t on_body_impl(string_view body, error_code&) override {
        body_.append(body.data(), body.size());
        return body.size();
    }
    void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
    std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code&) override {
        body_.append(body.data(), body.size());
        return body.size();
    }
    void on_finish_impl(error_code&) override {}

    std::string& body_;
    std::uint64_t body_limit_;
};

class RequestParser final : public MessageParser<true> {
public:
    RequestParser(Request& out, std::uint64_t body_limit, std::uint32_t header_limit)
        : MessageParser(out.body, body_limit, header_limit), out_(out) {}
    /// The request asked for `100 Continue` before sending its body.
    [[nodiscard]] bool expects_continue() const { return expect_continue_; }

private:
    void on_request_impl(boost::beast::http::verb, string_view method, string_view target, int, error_code&) override {
        out_.method_name.assign(method.data(), method.size());
        out_.method = method_from_string(out_.method_name);
        out_.target.assign(target.data(), target.size());
        out_.headers.reserve(16);
    }
    void on_response_impl(int, string_view, int, error_code&) override {}
    void on_field_impl(field name, string_view name_string, string_view value, error_code&) override {
        if (name == field::expect && iequals({value.data(), value.size()}, "100-continue")) {
            expect_continue_ = true;
        }
        out_.headers.add({name_string.data(), name_string.size()}, {value.data(), value.size()});
    }

    Request& out_;
    bool expect_continue_ = false;
};

class ResponseParser final : public MessageParser<false> {
public:
    ResponseParser(ClientResponse& out, std::uint64_t body_limit, std::uint32_t header_limit)
        : MessageParser(out.body, body_limit, header_limit), out_(out) {}

private:
    void on_request_impl(boost::beast::http::verb, string_view, string_view, int, error_code&) override {}
    void on_response_impl(int code, string_view, int, error_code&) override {
        out_.status = static_cast<unsigned>(code);
        out_.headers.reserve(16);
    }
    void on_field_impl(field, string_view name_string, string_view value, error_code&) override {
        out_.headers.add({name_string.data(), name_string.size()}, {value.data(), value.size()});
    }

    ClientResponse& out_;
};

}  // namespace scn::http::detail
