#pragma once

// Types shared by several SCPI modules (OCPI 2.2.1 §16 "Types" and the Locations classes other modules reuse).

#include <scn/core/clock.hpp>
#include <scn/scpi/enum.hpp>
#include <scn/scpi/io.hpp>

#include <optional>
#include <string>
#include <vector>

namespace scn::scpi {

using core::TimePoint;

SCN_ENUM(Role, CPO, EMSP, HUB, NAP, NSP, OTHER, SCSP);
SCN_ENUM(ImageCategory, CHARGER, ENTRANCE, LOCATION, NETWORK, OPERATOR, OTHER, OWNER);
SCN_ENUM(EnergySourceCategory, NUCLEAR, GENERAL_FOSSIL, COAL, GAS, GENERAL_GREEN, SOLAR, WIND, WATER);
SCN_ENUM(EnvironmentalImpactCategory, NUCLEAR_WASTE, CARBON_DIOXIDE);
SCN_ENUM(TokenType, AD_HOC_USER, APP_USER, OTHER, RFID);
SCN_ENUM(ConnectorType, CHADEMO, CHAOJI, DOMESTIC_A, DOMESTIC_B, DOMESTIC_C, DOMESTIC_D, DOMESTIC_E, DOMESTIC_F,
         DOMESTIC_G, DOMESTIC_H, DOMESTIC_I, DOMESTIC_J, DOMESTIC_K, DOMESTIC_L, DOMESTIC_M, DOMESTIC_N, DOMESTIC_O,
         GBT_AC, GBT_DC, IEC_60309_2_single_16, IEC_60309_2_three_16, IEC_60309_2_three_32, IEC_60309_2_three_64,
         IEC_62196_T1, IEC_62196_T1_COMBO, IEC_62196_T2, IEC_62196_T2_COMBO, IEC_62196_T3A, IEC_62196_T3C, NEMA_5_20,
         NEMA_6_30, NEMA_6_50, NEMA_10_30, NEMA_10_50, NEMA_14_30, NEMA_14_50, PANTOGRAPH_BOTTOM_UP,
         PANTOGRAPH_TOP_DOWN, TESLA_R, TESLA_S);
SCN_ENUM(ConnectorFormat, SOCKET, CABLE);
SCN_ENUM(PowerType, AC_1_PHASE, AC_2_PHASE, AC_2_PHASE_SPLIT, AC_3_PHASE, DC);

/// Text in one language.
struct DisplayText {
    std::string language;
    std::string text;
    friend bool operator==(const DisplayText&, const DisplayText&) = default;
};
template <class V>
void describe(V& v, DisplayText& t) {
    v("language", t.language, opt::String{2});
    v("text", t.text, opt::String{512});
}

struct Price {
    double excl_vat = 0;
    std::optional<double> incl_vat;
    friend bool operator==(const Price&, const Price&) = default;
};
template <class V>
void describe(V& v, Price& p) {
    v("excl_vat", p.excl_vat);
    v("incl_vat", p.incl_vat);
}

/// WGS84 coordinates, as strings (the protocol's choice).
struct GeoLocation {
    std::string latitude;
    std::string longitude;
    friend bool operator==(const GeoLocation&, const GeoLocation&) = default;
};
template <class V>
void describe(V& v, GeoLocation& g) {
    v("latitude", g.latitude, opt::String{10});
    v("longitude", g.longitude, opt::String{11});
}

struct Image {
    std::string url;
    std::optional<std::string> thumbnail;
    ImageCategory category = ImageCategory::OTHER;
    std::string type;
    std::optional<int> width;
    std::optional<int> height;
    friend bool operator==(const Image&, const Image&) = default;
};
template <class V>
void describe(V& v, Image& i) {
    v("url", i.url, opt::String{255});
    v("thumbnail", i.thumbnail, opt::String{255});
    v("category", i.category);
    v("type", i.type, opt::CiString{4});
    v("width", i.width);
    v("height", i.height);
}

struct BusinessDetails {
    std::string name;
    std::optional<std::string> website;
    std::optional<Image> logo;
    friend bool operator==(const BusinessDetails&, const BusinessDetails&) = default;
};
template <class V>
void describe(V& v, BusinessDetails& b) {
    v("name", b.name, opt::String{100});
    v("website", b.website, opt::String{255});
    v("logo", b.logo);
}

struct EnergySource {
    EnergySourceCategory source = EnergySourceCategory::GENERAL_GREEN;
    double percentage = 0;
    friend bool operator==(const EnergySource&, const EnergySource&) = default;
};
template <class V>
void describe(V& v, EnergySource& e) {
    v("source", e.source);
    v("percentage", e.percentage);
}

struct EnvironmentalImpact {
    EnvironmentalImpactCategory category = EnvironmentalImpactCategory::CARBON_DIOXIDE;
    double amount = 0;
    friend bool operator==(const EnvironmentalImpact&, const EnvironmentalImpact&) = default;
};
template <class V>
void describe(V& v, EnvironmentalImpact& e) {
    v("category", e.category);
    v("amount", e.amount);
}

struct EnergyMix {
    bool is_green_energy = false;
    std::vector<EnergySource> energy_sources;
    std::vector<EnvironmentalImpact> environ_impact;
    std::optional<std::string> supplier_name;
    std::optional<std::string> energy_product_name;
    friend bool operator==(const EnergyMix&, const EnergyMix&) = default;
};
template <class V>
void describe(V& v, EnergyMix& e) {
    v("is_green_energy", e.is_green_energy);
    v("energy_sources", e.energy_sources);
    v("environ_impact", e.environ_impact);
    v("supplier_name", e.supplier_name, opt::String{64});
    v("energy_product_name", e.energy_product_name, opt::String{64});
}

}  // namespace scn::scpi
