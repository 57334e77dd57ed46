#pragma once

// The whole SCPI 2.2 model: every object of every module, with from_json / to_json.

#include <scn/scpi/cdrs.hpp>
#include <scn/scpi/chargingprofiles.hpp>
#include <scn/scpi/commands.hpp>
#include <scn/scpi/common.hpp>
#include <scn/scpi/credentials.hpp>
#include <scn/scpi/hubclientinfo.hpp>
#include <scn/scpi/io.hpp>
#include <scn/scpi/locations.hpp>
#include <scn/scpi/sessions.hpp>
#include <scn/scpi/tariffs.hpp>
#include <scn/scpi/tokens.hpp>
#include <scn/scpi/versions.hpp>
