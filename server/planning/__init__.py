"""Teams, plans and targets, assignments and day routes."""

from server.exports import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {
    "assignments": ["create_assignment", "led_teams", "todays_visits"],
    "targets": ["ranked_targets"],
    "plans": ["DEFAULT_CITY_TEAM", "DEFAULT_WARD_RATIO", "plan_for", "targets_of", "units_day"],
    "schemas": ["AssignmentIn", "PlanYearPath"],
})
