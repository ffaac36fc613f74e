package catalog

import (
	"fmt"
	"sort"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The search-quality corpus: hand-written tools from real-world MCP servers
// (GitHub, Slack, Jira, calendars, CRM, files, databases, weather, payments,
// ...), plus generated CRUD tools over each server's entities, which act as
// realistic distractors (most servers have list_users, get_user...). The
// generator is deterministic.

// special tools: "server|name|description|prop: desc; prop: desc".
var specialTools = `
github|create_pull_request|Open a new pull request to merge changes from a head branch into a base branch.|owner: Repository owner; repo: Repository name; title: Pull request title; head: Branch with your changes; base: Branch to merge into
github|merge_pull_request|Merge an open pull request using merge, squash or rebase.|owner: Repository owner; repo: Repository name; pull_number: Pull request number; merge_method: merge, squash or rebase
github|search_code|Search for code across GitHub repositories using the code search syntax.|q: Search query
github|get_file_contents|Get the contents of a file or directory in a GitHub repository at a ref.|owner: Repository owner; repo: Repository name; path: File path; ref: Branch, tag or commit
github|fork_repository|Fork a repository into your account or an organization.|owner: Repository owner; repo: Repository name; organization: Target organization
github|star_repository|Star a repository for the authenticated user.|owner: Repository owner; repo: Repository name
github|list_workflow_runs|List GitHub Actions workflow runs for a repository.|owner: Repository owner; repo: Repository name; status: Run status
github|rerun_workflow|Re-run a GitHub Actions workflow run.|run_id: Workflow run ID
github|request_reviewers|Request reviewers for a pull request.|pull_number: Pull request number; reviewers: User logins
gitlab|create_merge_request|Create a merge request from a source branch to a target branch.|project_id: Project ID; source_branch: Source branch; target_branch: Target branch; title: Title
gitlab|retry_pipeline|Retry the failed jobs of a CI/CD pipeline.|project_id: Project ID; pipeline_id: Pipeline ID
slack|post_message|Send a message to a Slack channel so your team sees it. Supports markdown and threads.|channel: Channel ID or name, e.g. #general; text: Message text; thread_ts: Reply in this thread
slack|send_direct_message|Send a private direct message to a single Slack user.|user: User ID; text: Message text
slack|add_reaction|Add an emoji reaction to a Slack message.|channel: Channel ID; timestamp: Message timestamp; name: Emoji name
slack|set_channel_topic|Set the topic of a Slack channel.|channel: Channel ID; topic: New topic
slack|search_messages|Search Slack messages matching a query across channels.|query: Search query
discord|send_message|Send a message to a Discord channel as the bot.|channel_id: Channel ID; content: Message content
discord|ban_member|Ban a member from a Discord server (guild).|guild_id: Guild ID; user_id: User ID
jira|transition_issue|Move a Jira issue to another workflow status, e.g. To Do, In Progress, Done.|issue_key: Issue key like PROJ-123; transition: Target status
jira|assign_issue|Assign a Jira issue to a user.|issue_key: Issue key; assignee: Account ID
jira|log_work|Log time spent (hours worked) on a Jira issue as a worklog entry.|issue_key: Issue key; time_spent: Time spent, e.g. 3h 30m
jira|run_jql|Search Jira issues with a JQL query.|jql: JQL query
gcal|create_event|Schedule a new calendar event or meeting and invite attendees.|summary: Event title; start: Start time; end: End time; attendees: Attendee emails
gcal|find_free_slots|Find time slots when all attendees are free (availability, free/busy).|attendees: Attendee emails; duration_minutes: Meeting length
gcal|respond_to_invitation|Accept, decline or tentatively accept a calendar invitation.|event_id: Event ID; response: accepted, declined or tentative
gmail|send_email|Compose and send an email to one or more recipients.|to: Recipient addresses; subject: Subject line; body: Email body
gmail|search_emails|Search emails in the mailbox with Gmail search operators.|query: Gmail search query
gmail|reply_to_email|Reply to an email thread, keeping the conversation together.|thread_id: Thread ID; body: Reply body
gmail|archive_email|Archive an email so it leaves the inbox.|message_id: Message ID
salesforce|convert_lead|Convert a qualified lead into an account, contact and opportunity.|lead_id: Lead ID
salesforce|run_soql_query|Run a SOQL query against Salesforce objects.|soql: SOQL query
filesystem|read_file|Read the complete contents of a file from the file system.|path: Path of the file
filesystem|write_file|Create a new file or overwrite an existing file with new content.|path: Path of the file; content: Content to write
filesystem|edit_file|Make line-based edits to a text file, replacing exact text.|path: Path; edits: List of edits
filesystem|list_directory|List the files and subdirectories in a directory (folder).|path: Directory path
filesystem|create_directory|Create a new directory, including parents.|path: Directory path
filesystem|move_file|Move or rename a file or directory.|source: Source path; destination: Destination path
filesystem|delete_file|Delete a file from the file system.|path: Path of the file
filesystem|search_files|Recursively search for files whose names match a pattern.|path: Start directory; pattern: Glob pattern
filesystem|get_file_info|Get metadata about a file: size, creation and modification times, permissions.|path: Path
postgres|query|Run a read-only SQL query against the PostgreSQL database and return the rows.|sql: SQL statement
postgres|list_tables|List the tables in a PostgreSQL database schema.|schema: Schema name, default public
postgres|describe_table|Describe the columns, types and indexes of a PostgreSQL table.|table: Table name
postgres|explain_query|Show the execution plan of a SQL query (EXPLAIN ANALYZE).|sql: SQL statement
postgres|create_index|Create an index on columns of a table.|table: Table; columns: Columns
mysql|execute_sql|Execute a SQL statement on the MySQL server.|sql: SQL statement
mongodb|find_documents|Find documents in a MongoDB collection matching a filter.|collection: Collection; filter: Query filter
mongodb|aggregate|Run an aggregation pipeline on a MongoDB collection.|collection: Collection; pipeline: Stages
mongodb|list_collections|List the collections in a MongoDB database.|database: Database name
weather|get_forecast|Hourly and daily weather forecast for a city for the next days: temperature, rain, wind.|city: City name, e.g. Paris; days: Number of days (1-14)
weather|get_current_weather|Current weather conditions for a location: temperature, humidity, wind.|city: City name
weather|get_air_quality|Air quality index (AQI) and pollution levels (PM2.5, ozone) for a location.|city: City name
weather|get_weather_alerts|Active severe weather alerts and warnings (storms, floods, heat) for a region.|region: Region or state
weather|get_historical_weather|Past weather observations for a date range.|city: City; start_date: Start date; end_date: End date
weather|get_uv_index|UV index and sun exposure risk for a location.|city: City
stripe|create_refund|Refund a charge or payment intent, fully or partially.|charge: Charge ID; amount: Amount in cents
stripe|create_payment_link|Create a shareable payment link for a product price.|price: Price ID; quantity: Quantity
paypal|issue_payout|Send money to one or more PayPal recipients (payouts).|recipients: Recipients and amounts
currency|convert_currency|Convert an amount of money between currencies (USD, EUR, GBP...) at current exchange rates.|amount: Amount; from: Source currency code; to: Target currency code
currency|get_exchange_rates|Latest exchange rates for a base currency.|base: Base currency code
units|convert_units|Convert a value between units of measurement: length (miles, kilometers), weight, volume, temperature.|value: Value; from_unit: Unit; to_unit: Unit
maps|geocode_address|Turn a street address into latitude and longitude coordinates.|address: Address
maps|reverse_geocode|Turn coordinates into the nearest street address.|lat: Latitude; lng: Longitude
maps|get_directions|Driving, walking or transit directions and route between two places.|origin: Start; destination: End; mode: Travel mode
maps|search_places|Search for nearby places such as restaurants, shops or hotels.|query: What to look for; near: Location
maps|get_distance_matrix|Travel distance and time between many origins and destinations.|origins: Origins; destinations: Destinations
translate|translate_text|Translate text from one language into another (e.g. English to Spanish).|text: Text; target_language: Target language code
translate|detect_language|Detect which language a piece of text is written in.|text: Text
translate|list_languages|List the languages supported for translation.|
notion|search|Search Notion pages and databases by title.|query: Text to search
notion|append_block_children|Append content blocks to a Notion page.|block_id: Page or block ID; children: Blocks
gdrive|share_file|Share a Google Drive file or document with people by email, setting their role.|file_id: File ID; email: Person to share with; role: reader, commenter or writer
gdrive|export_document|Export a Google Doc as PDF, DOCX or plain text.|file_id: File ID; mime_type: Export format
s3|upload_object|Upload a file as an object to an S3 bucket.|bucket: Bucket name; key: Object key; body: Content
s3|generate_presigned_url|Generate a temporary presigned URL to download an S3 object.|bucket: Bucket; key: Object key; expires_in: Seconds
twilio|send_sms|Send an SMS text message to a phone number.|to: Phone number in E.164; body: Message text
twilio|make_call|Place an outbound phone call that plays a message.|to: Phone number; twiml: Instructions
spotify|play_track|Start playing a song or track on the active Spotify device.|track_uri: Spotify track URI
spotify|pause_playback|Pause playback on the active device.|
spotify|search_tracks|Search the Spotify catalog for songs by title or artist.|query: Search text
spotify|create_playlist|Create a new empty playlist for the user.|name: Playlist name; public: Whether the playlist is public
spotify|add_tracks_to_playlist|Add songs to a playlist.|playlist_id: Playlist; uris: Track URIs
spotify|get_currently_playing|Get the song the user is listening to right now.|
news|search_news|Search recent news articles by keyword, source and date.|q: Keywords; from: Oldest date
news|get_top_headlines|Top headlines right now, by country or category.|country: Country code; category: Category
web|web_search|Search the web and return the top result titles, URLs and snippets.|query: Search query; count: Number of results
web|fetch_url|Fetch a web page by URL and return its text as markdown.|url: Page URL
kubernetes|get_pod_logs|Get the logs of a container in a Kubernetes pod.|namespace: Namespace; pod: Pod name; container: Container; tail_lines: Lines
kubernetes|scale_deployment|Scale a deployment to a number of replicas.|namespace: Namespace; name: Deployment; replicas: Replica count
kubernetes|rollout_restart|Restart a deployment with a rolling update (rollout restart).|namespace: Namespace; name: Deployment
kubernetes|apply_manifest|Apply a YAML manifest to the cluster (kubectl apply).|manifest: YAML
docker|run_container|Run a new Docker container from an image.|image: Image; command: Command; ports: Port mappings
docker|get_container_logs|Fetch the logs of a Docker container.|container: Container ID or name
aws|invoke_lambda|Invoke an AWS Lambda function with a JSON payload.|function_name: Function; payload: Payload
sentry|resolve_issue|Mark a Sentry error issue as resolved.|issue_id: Issue ID
pagerduty|acknowledge_incident|Acknowledge an incident so the escalation stops paging.|incident_id: Incident ID
pagerduty|get_current_on_call|Who is on call right now for an escalation policy or schedule.|schedule_id: Schedule ID
datadog|query_metrics|Query timeseries metrics (CPU, latency, error rate) over a time range.|query: Metric query; from: Start; to: End
datadog|mute_monitor|Mute a monitor so it stops alerting, optionally until a time.|monitor_id: Monitor ID; end: Until when
shopify|fulfill_order|Fulfill an order: mark items as shipped with tracking information.|order_id: Order ID; tracking_number: Tracking number
shopify|adjust_inventory|Adjust the inventory level (stock quantity) of a product variant at a location.|inventory_item_id: Item; delta: Change in quantity
todoist|complete_task|Mark a to-do task as completed (done).|task_id: Task ID
stocks|get_stock_quote|Latest market price and daily change for a stock ticker symbol like AAPL.|symbol: Ticker symbol
stocks|get_company_financials|Income statement, balance sheet and cash flow of a public company.|symbol: Ticker symbol
time|get_current_time|Current date and time in a given IANA timezone or city.|timezone: Timezone, e.g. Asia/Tokyo
time|convert_timezone|Convert a time from one timezone to another.|time: Time; from_tz: Source timezone; to_tz: Target timezone
math|evaluate_expression|Calculate the result of a math expression such as 15% of 240 or sqrt(2).|expression: Expression
memory|create_entities|Create entities in the knowledge graph memory.|entities: Entities
memory|search_nodes|Search the knowledge graph for nodes matching a query.|query: Query
browser|navigate|Navigate the browser to a URL.|url: URL
browser|screenshot|Take a screenshot of the current web page or an element.|selector: CSS selector; full_page: Whole page
browser|click|Click an element on the page.|selector: CSS selector
browser|fill_form|Fill in form fields on the page.|fields: Field values
image|generate_image|Generate an image from a text prompt.|prompt: Description of the picture; size: Image size
pdf|extract_text|Extract the text from a PDF document.|path: PDF path
pdf|merge_pdfs|Merge several PDF files into one.|paths: PDF paths
sqlite|read_query|Execute a SELECT query on the SQLite database.|query: SELECT statement
zoom|get_meeting_recording|Get the cloud recording of a past Zoom meeting.|meeting_id: Meeting ID
`

// entities per server for generated CRUD tools: "singular/plural".
var serverEntities = map[string][]string{
	"github":     {"repository/repositories", "issue/issues", "branch/branches", "commit/commits", "release/releases", "gist/gists", "label/labels", "milestone/milestones", "webhook/webhooks", "team/teams"},
	"gitlab":     {"project/projects", "pipeline/pipelines", "issue/issues", "branch/branches", "merge_request/merge_requests", "runner/runners", "tag/tags"},
	"slack":      {"channel/channels", "user/users", "file/files", "reminder/reminders", "bookmark/bookmarks", "usergroup/usergroups"},
	"discord":    {"channel/channels", "role/roles", "guild/guilds", "webhook/webhooks", "emoji/emojis"},
	"jira":       {"issue/issues", "project/projects", "sprint/sprints", "board/boards", "comment/comments", "version/versions", "component/components", "filter/filters"},
	"linear":     {"issue/issues", "cycle/cycles", "team/teams", "project/projects", "label/labels"},
	"gcal":       {"event/events", "calendar/calendars", "acl_rule/acl_rules"},
	"gmail":      {"draft/drafts", "label/labels", "thread/threads", "filter/filters"},
	"salesforce": {"account/accounts", "contact/contacts", "lead/leads", "opportunity/opportunities", "case/cases", "campaign/campaigns", "task/tasks"},
	"hubspot":    {"contact/contacts", "company/companies", "deal/deals", "ticket/tickets", "note/notes", "pipeline/pipelines"},
	"postgres":   {"schema/schemas", "role/roles", "extension/extensions", "view/views"},
	"mysql":      {"database/databases", "table/tables", "user/users"},
	"mongodb":    {"collection/collections", "index/indexes", "document/documents"},
	"stripe":     {"customer/customers", "charge/charges", "invoice/invoices", "subscription/subscriptions", "product/products", "price/prices", "payment_intent/payment_intents", "coupon/coupons", "payout/payouts"},
	"paypal":     {"order/orders", "dispute/disputes", "invoice/invoices", "subscription/subscriptions"},
	"maps":       {"place/places", "saved_location/saved_locations"},
	"notion":     {"page/pages", "database/databases", "block/blocks", "comment/comments"},
	"confluence": {"space/spaces", "page/pages", "comment/comments", "attachment/attachments", "label/labels"},
	"gdrive":     {"file/files", "folder/folders", "permission/permissions", "revision/revisions", "shared_drive/shared_drives"},
	"s3":         {"bucket/buckets", "object/objects", "bucket_policy/bucket_policies", "lifecycle_rule/lifecycle_rules"},
	"twilio":     {"message/messages", "call/calls", "phone_number/phone_numbers", "recording/recordings"},
	"zoom":       {"meeting/meetings", "webinar/webinars", "user/users", "recording/recordings"},
	"spotify":    {"playlist/playlists", "album/albums", "artist/artists"},
	"kubernetes": {"pod/pods", "deployment/deployments", "service/services", "namespace/namespaces", "config_map/config_maps", "secret/secrets", "ingress/ingresses", "cron_job/cron_jobs", "node/nodes"},
	"docker":     {"container/containers", "image/images", "volume/volumes", "network/networks"},
	"aws":        {"ec2_instance/ec2_instances", "lambda_function/lambda_functions", "security_group/security_groups", "iam_role/iam_roles", "cloudwatch_alarm/cloudwatch_alarms"},
	"sentry":     {"issue/issues", "project/projects", "release/releases", "alert_rule/alert_rules"},
	"pagerduty":  {"incident/incidents", "schedule/schedules", "service/services", "escalation_policy/escalation_policies"},
	"datadog":    {"monitor/monitors", "dashboard/dashboards", "downtime/downtimes", "synthetic_test/synthetic_tests"},
	"shopify":    {"product/products", "order/orders", "customer/customers", "collection/collections", "discount_code/discount_codes", "fulfillment/fulfillments"},
	"zendesk":    {"ticket/tickets", "user/users", "macro/macros", "organization/organizations", "article/articles"},
	"trello":     {"board/boards", "card/cards", "list/lists", "checklist/checklists"},
	"asana":      {"task/tasks", "project/projects", "section/sections", "workspace/workspaces"},
	"todoist":    {"task/tasks", "project/projects", "label/labels"},
	"airtable":   {"base/bases", "record/records", "table/tables"},
	"memory":     {"relation/relations", "observation/observations"},
	"quickbooks": {"invoice/invoices", "bill/bills", "vendor/vendors", "expense/expenses", "account/accounts"},
	"greenhouse": {"candidate/candidates", "job/jobs", "application/applications", "interview/interviews"},
	"okta":       {"user/users", "group/groups", "application/applications"},
	"mailchimp":  {"campaign/campaigns", "audience/audiences", "subscriber/subscribers", "template/templates"},
	"figma":      {"file/files", "comment/comments", "component/components"},
}

// serverTitles is how descriptions name each server.
var serverTitles = map[string]string{
	"gcal": "Google Calendar", "gdrive": "Google Drive", "s3": "Amazon S3", "aws": "AWS",
	"github": "GitHub", "gitlab": "GitLab", "mongodb": "MongoDB", "postgres": "PostgreSQL",
	"mysql": "MySQL", "hubspot": "HubSpot", "pagerduty": "PagerDuty", "quickbooks": "QuickBooks",
}

func serverTitle(s string) string {
	if t, ok := serverTitles[s]; ok {
		return t
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func human(s string) string { return strings.ReplaceAll(s, "_", " ") }

// corpusTools returns the corpus, one slice of tools per server.
func corpusTools() map[string][]*mcp.Tool {
	out := map[string][]*mcp.Tool{}
	seen := map[string]bool{}
	add := func(server, name, desc string, props [][2]string) {
		if seen[server+"."+name] {
			return
		}
		seen[server+"."+name] = true
		properties := map[string]any{}
		var required []string
		for _, p := range props {
			properties[p[0]] = map[string]any{"type": "string", "description": p[1]}
			required = append(required, p[0])
		}
		out[server] = append(out[server], &mcp.Tool{
			Name:        name,
			Description: desc,
			InputSchema: map[string]any{"type": "object", "properties": properties, "required": required},
		})
	}
	for _, line := range strings.Split(strings.TrimSpace(specialTools), "\n") {
		f := strings.SplitN(line, "|", 4)
		var props [][2]string
		for _, p := range strings.Split(f[3], ";") {
			if k, v, ok := strings.Cut(p, ":"); ok {
				props = append(props, [2]string{strings.TrimSpace(k), strings.TrimSpace(v)})
			}
		}
		add(f[0], f[1], f[2], props)
	}
	servers := make([]string, 0, len(serverEntities))
	for s := range serverEntities {
		servers = append(servers, s)
	}
	sort.Strings(servers)
	for _, s := range servers {
		st := serverTitle(s)
		for _, e := range serverEntities[s] {
			one, many, _ := strings.Cut(e, "/")
			h1, hn := human(one), human(many)
			idp := [][2]string{{one + "_id", fmt.Sprintf("ID of the %s", h1)}}
			add(s, "list_"+many, fmt.Sprintf("List %s in %s. Results are paginated; pass the cursor to get the next page.", hn, st),
				[][2]string{{"cursor", "Pagination cursor"}, {"limit", "Maximum results per page"}})
			add(s, "get_"+one, fmt.Sprintf("Get the details of one %s %s by ID.", st, h1), idp)
			add(s, "create_"+one, fmt.Sprintf("Create a new %s in %s.", h1, st),
				[][2]string{{"name", fmt.Sprintf("Name of the %s", h1)}, {"properties", "Fields to set"}})
			add(s, "update_"+one, fmt.Sprintf("Update fields of an existing %s %s.", st, h1),
				append(idp, [2]string{"properties", "Fields to change"}))
			add(s, "delete_"+one, fmt.Sprintf("Permanently delete a %s %s.", st, h1), idp)
			if len(many)%3 == 0 { // some entities are searchable too
				add(s, "search_"+many, fmt.Sprintf("Search %s %s matching a text query.", st, hn),
					[][2]string{{"query", "Text to search for"}})
			}
		}
	}
	return out
}

// searchCase is one plain-language query and the tool it should find.
type searchCase struct {
	query, want string
}

var searchCases = []searchCase{
	{"what's the weather going to be in Paris tomorrow", "weather.get_forecast"},
	{"open a pull request", "github.create_pull_request"},
	{"send a message to the team channel", "slack.post_message"},
	{"current temperature in London", "weather.get_current_weather"},
	{"convert 100 dollars to euros", "currency.convert_currency"},
	{"read the contents of a file", "filesystem.read_file"},
	{"list files in a folder", "filesystem.list_directory"},
	{"run a SQL query against postgres", "postgres.query"},
	{"refund a customer's payment", "stripe.create_refund"},
	{"schedule a meeting with the team next week", "gcal.create_event"},
	{"find a time when everyone is free", "gcal.find_free_slots"},
	{"send an email to my boss", "gmail.send_email"},
	{"text a phone number", "twilio.send_sms"},
	{"translate this paragraph into Spanish", "translate.translate_text"},
	{"directions from the airport to the hotel", "maps.get_directions"},
	{"get the logs of a kubernetes pod", "kubernetes.get_pod_logs"},
	{"restart a deployment", "kubernetes.rollout_restart"},
	{"scale the deployment to 5 replicas", "kubernetes.scale_deployment"},
	{"who is on call right now", "pagerduty.get_current_on_call"},
	{"acknowledge the incident", "pagerduty.acknowledge_incident"},
	{"move a jira ticket to done", "jira.transition_issue"},
	{"merge the pull request", "github.merge_pull_request"},
	{"search code in a repository", "github.search_code"},
	{"stock price of apple", "stocks.get_stock_quote"},
	{"what time is it in Tokyo", "time.get_current_time"},
	{"play a song on spotify", "spotify.play_track"},
	{"take a screenshot of the web page", "browser.screenshot"},
	{"search the web", "web.web_search"},
	{"latest headlines", "news.get_top_headlines"},
	{"download a web page as markdown", "web.fetch_url"},
	{"convert a lead into an opportunity", "salesforce.convert_lead"},
	{"add a reaction emoji to a slack message", "slack.add_reaction"},
	{"upload a file to an s3 bucket", "s3.upload_object"},
	{"share a google drive document with a colleague", "gdrive.share_file"},
	{"air pollution level in Delhi", "weather.get_air_quality"},
	{"geocode an address to coordinates", "maps.geocode_address"},
	{"detect which language a text is in", "translate.detect_language"},
	{"mark a todo as done", "todoist.complete_task"},
	{"retry a failed pipeline in gitlab", "gitlab.retry_pipeline"},
	{"list tables in the postgres database", "postgres.list_tables"},
	{"extract text from a pdf", "pdf.extract_text"},
	{"generate an image of a cat", "image.generate_image"},
	{"ship an order to the customer", "shopify.fulfill_order"},
	{"convert miles to kilometers", "units.convert_units"},
	{"mute a noisy monitor", "datadog.mute_monitor"},
	{"resolve a sentry error", "sentry.resolve_issue"},
	{"calculate 15% of 240", "math.evaluate_expression"},
	{"reply to an email thread", "gmail.reply_to_email"},
	{"weather alerts for storms", "weather.get_weather_alerts"},
	{"fork a repository", "github.fork_repository"},
	{"create a new playlist", "spotify.create_playlist"},
	{"log hours worked on a jira issue", "jira.log_work"},
	{"github.create_issue", "github.create_issue"},
	{"delete a kubernetes namespace", "kubernetes.delete_namespace"},
	{"list open stripe invoices", "stripe.list_invoices"},
	{"add a new contact to hubspot", "hubspot.create_contact"},
}
