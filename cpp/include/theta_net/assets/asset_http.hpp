// The store's HTTP answers (served over HTTP/3 on the game's port): GET and HEAD
// /assets/<name> with Range (206 and exactly the bytes asked, 416 past the end), and PUT of a
// new asset. Whoever routes the request decides who may PUT; these only check the request.
#pragma once

#include <string_view>

#include "theta_net/assets/asset_store.hpp"
#include "theta_net/transport/http.hpp"

namespace theta_net::assets {

// GET or HEAD of the asset `name` (the path after "/assets/"): 200 with the file, 206 for a
// satisfiable Range, 416 for one past the end, 404 for a name that is not a stored asset.
transport::HttpResponse asset_get(const AssetStore& store, const transport::HttpRequest& request,
                                  std::string_view name);

// PUT of an asset: the body, stored under its SHA-256 (201 with its name; 200 if it was stored
// already). A body that went into an AssetUpload (request.body_sink) is finished instead. `name`,
// if not empty, is the hash the body must have (400 if it does not: nothing is stored). 413 over
// the store's limits, 500 when the folder cannot be written.
transport::HttpResponse asset_put(AssetStore& store, const transport::HttpRequest& request,
                                  std::string_view name);

}  // namespace theta_net::assets
