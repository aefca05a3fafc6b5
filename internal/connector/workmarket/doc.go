// Package workmarket connects dispatch to WorkMarket, a field-labour
// platform, through its public employer API (v1, "assignments"). It
// implements dispatch.Platform: Push creates an assignment and sends it to
// a talent pool (or the work feed), Cancel voids or cancels it, Poll reads
// it back, and ParseWebhook turns WorkMarket's webhook callouts into
// dispatch.PlatformUpdate values. Package wmfake is a local server that
// speaks the same wire format for tests.
//
// # Wire format (as WorkMarket documents it)
//
// Sources: WorkMarket's public API documentation (the classic v1 pages:
// overview, assignments create/get/void, statuses), its published employer
// API Swagger document (paths, parameters, AssignmentDetails and
// AssignmentListItem shapes, the authorization request) and its webhooks
// page (events and template variables).
//
// Every path is relative to the configured base URL, which is
// https://www.workmarket.com/api/v1 for the classic API (the newer
// reference publishes the same operations under /v1/employer). Requests are
// plain form parameters, not JSON: GET parameters in the query, POST
// parameters in an application/x-www-form-urlencoded body. Every response
// is wrapped as {"meta": {"status_code", "errors": [...], ...},
// "response": {...}}; HTTP status and meta.status_code agree.
//
//	POST /authorization/request   token, secret -> {access_token}
//	POST /assignments/create      title, description, instructions,
//	                              desired_skills, industry_id,
//	                              scheduled_start/scheduled_end (Unix s),
//	                              pricing_type=flat, pricing_flat_price,
//	                              location_* fields, custom_field_groups[N][...],
//	                              send_to_groups[N], send_radius,
//	                              show_in_work_feed -> {id, number_of_resources_sent}
//	GET  /assignments/get         id -> assignment details (status,
//	                              active_resource, resolution, custom_fields,
//	                              parts_group, last_modified_on, ...)
//	GET  /assignments/list_updated modified_since, start, limit ->
//	                              {data: [list items], totalResults, ...}
//	POST /assignments/void        id, note   (only draft or sent assignments)
//	POST /assignments/cancel      id, note, reason (assigned or in progress)
//
// The access token goes in an "Authorization: Bearer" header. With an API
// token and secret instead of a ready access token, the client exchanges
// them at /authorization/request on first use and again once after a 401.
//
// Statuses mapped onto dispatch's canonical states: draft and sent are
// sent; declined is declined; active (assigned) is accepted, or scheduled
// once the worker confirmed, or on site while checked in; inprogress is on
// site; complete (pending approval), paymentPending and paid are
// completed; cancelled and void are cancelled.
//
// # What is assumed where the public documentation is thin
//
//   - WorkMarket has no idempotency key, and external_work_id is numeric,
//     so fieldhub's job id travels in a custom field (Fields.JobID) and the
//     title starts with the job number. Before creating, Push scans
//     assignments modified within Config.Lookback (list_updated) for titles
//     with that number and reads each candidate to compare the custom
//     field; a live match is returned instead of a second assignment.
//   - Completion details come from custom fields the buyer account defines
//     (Fields: result code, parts used, return tracking, unit condition)
//     plus the worker's resolution text; the return tracking number of
//     parts_group.return_parts wins over the custom field. Parts are
//     written "SKU:qty[:serial]" separated by ";" or ",". A result code
//     starting with "INCOMPLETE" marks the job incomplete.
//   - Times in responses are Unix seconds; last_modified_on is present on
//     the details as on list items.
//
// # Webhooks
//
// WorkMarket's callouts are templated by the account (any method, custom
// headers, a JSON body built from variables) and carry no signature.
// fieldhub therefore requires the shared webhook secret in the custom
// header X-Fieldhub-Webhook-Token (compared in constant time), and expects
// one webhook per event, configured as a POST with this body template
// (ISO 8601 or Unix times both accepted):
//
//	{"event": "Accepted", "assignment_id": "${assignment_id}",
//	 "status": "${status}", "now": "${now}", "resolution": "${resolution}",
//	 "resource_id": "${resource_id}", "resource_first_name": "...",
//	 "resource_last_name": "...", "resource_email": "...",
//	 "resource_phone": "...", "check_in_out_id": "${check_in_out_id}",
//	 "note": "${note}", "custom_field_<id>": "${custom_field_<id>}", ...}
//
// with event one of Sent, Accepted, Confirm, Check In, Completed, Cancel,
// Voided (others are acknowledged and ignored). A webhook has no event id,
// so EventID is a digest of the event, assignment, status, worker,
// check-in id and time; a poll's EventID is a digest of the assignment's
// id, status, canonical state, worker and last modification. A webhook and
// a poll reporting the same change therefore carry different EventIDs: the
// receiver must treat a second report of the state a job is already in as
// a no-op.
//
// Errors: a network failure, 429 or 5xx is fault.Unavailable (retry later);
// 403 and 404 are fault.NotFound (WorkMarket answers 403 for an assignment
// the account cannot see, so cancelling one is done already); any other
// 4xx is permanent, fault.Invalid with WorkMarket's messages.
// Tokens and secrets are never logged or put in errors.
package workmarket
