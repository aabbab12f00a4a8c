#include "web/app.h"

namespace spark {

std::vector<Route> AppRoutes(App& app) {
  std::vector<Route> routes;
  AddStatusRoutes(app, routes);
  AddEventRoutes(app, routes);
  AddReportRoutes(app, routes);
  AddDiarizationRoutes(app, routes);
  AddConfigRoutes(app, routes);
  AddModelRoutes(app, routes);
  AddJobRoutes(app, routes);
  AddSshRoutes(app, routes);
  AddUiRoutes(app, routes);
  return routes;
}

}  // namespace spark
