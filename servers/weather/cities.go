package weather

// A city is a location with the climate parameters that drive the generator.
type city struct {
	Name, Country, Zone string
	Lat, Lon            float64
	Elev                int     // meters above sea level
	TMean               float64 // annual mean temperature, °C
	TAmp                float64 // half the difference between warmest and coldest month, °C
	Diurnal             float64 // mean daily temperature range, °C
	Precip              float64 // annual precipitation, mm
	WetMonth            int     // month with most precipitation, 1..12
	WetAmp              float64 // seasonality of precipitation, 0 (even) .. 1 (strong)
	Humidity            float64 // mean relative humidity, %
	Wind                float64 // mean wind speed, km/h
}

// cities ships approximate 1991-2020 climate parameters of 50 world cities.
var cities = []city{
	{"Paris", "FR", "Europe/Paris", 48.857, 2.352, 35, 12.5, 8, 8, 640, 5, 0.15, 75, 14},
	{"London", "GB", "Europe/London", 51.507, -0.128, 11, 11.5, 7, 7, 600, 11, 0.15, 78, 16},
	{"Berlin", "DE", "Europe/Berlin", 52.520, 13.405, 34, 10, 9.5, 8, 570, 7, 0.25, 74, 14},
	{"Madrid", "ES", "Europe/Madrid", 40.417, -3.704, 657, 15, 10, 12, 420, 11, 0.45, 58, 11},
	{"Rome", "IT", "Europe/Rome", 41.903, 12.496, 21, 16, 8.5, 10, 800, 11, 0.5, 70, 11},
	{"Amsterdam", "NL", "Europe/Amsterdam", 52.368, 4.904, -2, 10.5, 7, 7, 840, 10, 0.2, 82, 19},
	{"Vienna", "AT", "Europe/Vienna", 48.208, 16.373, 190, 11, 10, 8, 620, 7, 0.3, 72, 14},
	{"Oslo", "NO", "Europe/Oslo", 59.914, 10.752, 23, 6.5, 10, 7, 760, 8, 0.3, 75, 12},
	{"Stockholm", "SE", "Europe/Stockholm", 59.329, 18.069, 28, 7.5, 10, 7, 540, 7, 0.3, 76, 13},
	{"Moscow", "RU", "Europe/Moscow", 55.756, 37.617, 156, 6, 13.5, 8, 700, 7, 0.35, 77, 12},
	{"Istanbul", "TR", "Europe/Istanbul", 41.008, 28.978, 39, 15, 9, 7, 820, 12, 0.6, 73, 17},
	{"Athens", "GR", "Europe/Athens", 37.984, 23.728, 70, 18.5, 9, 9, 400, 12, 0.8, 62, 13},
	{"Lisbon", "PT", "Europe/Lisbon", 38.722, -9.139, 45, 17.5, 5.5, 8, 730, 12, 0.75, 72, 15},
	{"Reykjavik", "IS", "Atlantic/Reykjavik", 64.147, -21.943, 15, 5, 6, 5, 850, 10, 0.3, 78, 22},
	{"Cairo", "EG", "Africa/Cairo", 30.044, 31.236, 23, 22.5, 7, 12, 25, 1, 0.7, 56, 13},
	{"Casablanca", "MA", "Africa/Casablanca", 33.573, -7.590, 27, 18, 4.5, 7, 420, 12, 0.8, 76, 14},
	{"Lagos", "NG", "Africa/Lagos", 6.524, 3.379, 41, 27, 1.5, 6, 1700, 6, 0.6, 83, 12},
	{"Nairobi", "KE", "Africa/Nairobi", -1.292, 36.822, 1795, 18, 1.5, 11, 870, 4, 0.6, 70, 13},
	{"Johannesburg", "ZA", "Africa/Johannesburg", -26.204, 28.047, 1753, 16, 5, 13, 710, 1, 0.8, 58, 12},
	{"Cape Town", "ZA", "Africa/Johannesburg", -33.925, 18.424, 25, 17, 4.5, 9, 520, 6, 0.8, 72, 20},
	{"Dubai", "AE", "Asia/Dubai", 25.205, 55.271, 5, 28, 7.5, 10, 80, 2, 0.8, 60, 14},
	{"Mumbai", "IN", "Asia/Kolkata", 19.076, 72.878, 14, 27.5, 2.5, 7, 2200, 7, 0.95, 75, 12},
	{"Delhi", "IN", "Asia/Kolkata", 28.614, 77.209, 216, 25, 8.5, 12, 800, 8, 0.85, 60, 9},
	{"Bangkok", "TH", "Asia/Bangkok", 13.756, 100.502, 2, 28.5, 1.5, 8, 1500, 9, 0.8, 75, 9},
	{"Singapore", "SG", "Asia/Singapore", 1.352, 103.820, 15, 27.5, 0.7, 7, 2400, 12, 0.3, 84, 10},
	{"Hong Kong", "HK", "Asia/Hong_Kong", 22.319, 114.169, 32, 23.5, 5.5, 5, 2400, 7, 0.85, 78, 15},
	{"Shanghai", "CN", "Asia/Shanghai", 31.230, 121.474, 4, 17, 10, 7, 1200, 6, 0.5, 75, 13},
	{"Beijing", "CN", "Asia/Shanghai", 39.904, 116.407, 44, 13, 14, 11, 570, 7, 0.9, 55, 11},
	{"Seoul", "KR", "Asia/Seoul", 37.567, 126.978, 38, 12.5, 14, 8, 1450, 7, 0.9, 64, 10},
	{"Tokyo", "JP", "Asia/Tokyo", 35.676, 139.650, 40, 16, 10, 7, 1530, 9, 0.5, 68, 12},
	{"Sydney", "AU", "Australia/Sydney", -33.869, 151.209, 39, 18, 5, 7, 1200, 3, 0.3, 68, 16},
	{"Melbourne", "AU", "Australia/Melbourne", -37.814, 144.963, 31, 15, 5, 10, 650, 10, 0.15, 65, 16},
	{"Perth", "AU", "Australia/Perth", -31.950, 115.861, 25, 18.5, 6, 11, 730, 7, 0.9, 60, 17},
	{"Auckland", "NZ", "Pacific/Auckland", -36.849, 174.763, 26, 15.5, 4.5, 7, 1200, 7, 0.35, 78, 18},
	{"Honolulu", "US", "Pacific/Honolulu", 21.307, -157.858, 5, 25.5, 2, 6, 420, 12, 0.6, 70, 18},
	{"New York", "US", "America/New_York", 40.713, -74.006, 10, 13, 11.5, 8, 1270, 7, 0.1, 64, 16},
	{"Chicago", "US", "America/Chicago", 41.878, -87.630, 181, 10.5, 14, 9, 990, 6, 0.35, 70, 17},
	{"Miami", "US", "America/New_York", 25.762, -80.192, 2, 25.5, 4, 7, 1570, 8, 0.6, 73, 15},
	{"Denver", "US", "America/Denver", 39.739, -104.990, 1609, 10.5, 11.5, 15, 400, 5, 0.45, 52, 14},
	{"Los Angeles", "US", "America/Los_Angeles", 34.052, -118.244, 89, 18.5, 4.5, 10, 380, 1, 0.9, 65, 10},
	{"San Francisco", "US", "America/Los_Angeles", 37.775, -122.419, 16, 14.5, 3, 7, 600, 1, 0.9, 75, 18},
	{"Seattle", "US", "America/Los_Angeles", 47.606, -122.332, 53, 11.5, 7, 8, 950, 12, 0.7, 75, 12},
	{"Anchorage", "US", "America/Anchorage", 61.218, -149.900, 31, 3, 11, 7, 420, 8, 0.5, 70, 11},
	{"Toronto", "CA", "America/Toronto", 43.653, -79.383, 76, 9, 13, 8, 830, 8, 0.15, 72, 16},
	{"Vancouver", "CA", "America/Vancouver", 49.283, -123.121, 70, 10.5, 7, 7, 1450, 11, 0.65, 79, 11},
	{"Mexico City", "MX", "America/Mexico_City", 19.433, -99.133, 2240, 17, 3, 14, 820, 7, 0.9, 58, 9},
	{"Bogota", "CO", "America/Bogota", 4.711, -74.072, 2640, 14, 0.5, 12, 1000, 4, 0.4, 78, 9},
	{"Lima", "PE", "America/Lima", -12.046, -77.043, 154, 19.5, 3.5, 5, 10, 2, 0.5, 82, 12},
	{"Sao Paulo", "BR", "America/Sao_Paulo", -23.550, -46.633, 760, 20, 3.5, 9, 1450, 1, 0.7, 76, 10},
	{"Buenos Aires", "AR", "America/Argentina/Buenos_Aires", -34.604, -58.382, 25, 18, 6.5, 9, 1200, 3, 0.3, 72, 15},
}
