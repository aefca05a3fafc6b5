package app

// staffOnlyEvents are the event types providers never see, on their work
// orders' timelines or through their webhooks: bids and offers name other
// contractors; no-bid alerts, radius steps, escalations, flags, backouts and
// contractor no-shows are ops' own; depot notes and tracker links are
// internal; device records carry owners' names and whereabouts; shortages
// and overdue billing are the company's business.
var staffOnlyEvents = []string{
	"Bid.*", "Job.Offered", "Job.NoBids", "Job.RadiusWidened", "Job.PoolChanged", "Job.Expired",
	"Job.Flagged", "Job.Escalated", "Job.BackedOut", "Job.ContractorNoShow", "Job.PlatformDeclined", "DispatchRule.*", "Contractor.*",
	"Depot.NoteAdded", "Depot.IssueLinked", "Depot.TrackerMoveIgnored", "Depot.TemplateSet",
	"Device.*", "Loaner.Shortage", "Loaner.OverdueBillable",
}
