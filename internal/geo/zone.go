package geo

import (
	"sort"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // the zone database in the binary (about 450 KB), for hosts without /usr/share/zoneinfo
)

// Zone returns the IANA time zone of a US site, for rules that speak of a
// day ("jobs a day", "due on the 5th"): a day at a site is its local
// calendar day, and a 7 pm job in Dallas is on the next UTC day.
//
// The state picks the zone; in the states split between zones the ZIP's
// first three digits pick the side (see splits below for where a prefix
// straddles a line and which side it gets). A blank or unknown state is
// taken from the ZIP's prefix. When neither places the site — no state, no
// usable ZIP, a military (APO/FPO) ZIP — the answer is UTC, so a caller
// always gets a zone and at worst keeps the day rules it had before.
// The result is never nil.
func Zone(zip, state string) *time.Location {
	return locations()[zoneName(zip, state)]
}

// zoneName is the IANA name of the zone Zone returns.
func zoneName(zip, state string) string {
	prefix := -1
	if z, ok := Normalize(zip); ok {
		prefix = int(z[0]-'0')*100 + int(z[1]-'0')*10 + int(z[2]-'0')
	}
	st := strings.ToUpper(strings.TrimSpace(state))
	if _, ok := stateZones[st]; !ok {
		st = stateOfPrefix(prefix)
	}
	sz, ok := stateZones[st]
	if !ok {
		return "UTC"
	}
	for _, s := range sz.splits {
		if prefix >= s.from && prefix <= s.to {
			return s.zone
		}
	}
	return sz.zone
}

// locations are the loaded zones of every name the tables use, by name.
var locations = sync.OnceValue(func() map[string]*time.Location {
	out := map[string]*time.Location{"UTC": time.UTC}
	for _, sz := range stateZones {
		names := []string{sz.zone}
		for _, s := range sz.splits {
			names = append(names, s.zone)
		}
		for _, n := range names {
			if out[n] != nil {
				continue
			}
			loc, err := time.LoadLocation(n)
			if err != nil {
				panic("geo: zone " + n + " is not in the embedded zone database: " + err.Error()) // a build defect, caught by the tests
			}
			out[n] = loc
		}
	}
	return out
})

const (
	eastern  = "America/New_York"
	central  = "America/Chicago"
	mountain = "America/Denver"
	pacific  = "America/Los_Angeles"
	boise    = "America/Boise" // southern Idaho and Malheur County, Oregon: Mountain
)

// stateZone is a state's zone and the 3-digit ZIP prefixes of the state
// that lie in another.
type stateZone struct {
	zone   string
	splits []prefixZone
}

// prefixZone puts the 3-digit ZIP prefixes from..to in zone.
type prefixZone struct {
	from, to int
	zone     string
}

// stateZones holds every state code work order intake accepts (the 50
// states, DC and the territories).
//
// A 3-digit prefix is a postal sectional centre's area, and time zone lines
// follow county lines, not postal ones; where a prefix straddles a line it
// goes to the side where most of its people live, and the towns on the
// other side get the wrong zone:
//
//   - TX: 798 (El Paso's outlying towns and Hudspeth County) is Mountain,
//     though its Big Bend towns — Alpine, Marfa, Presidio, Fort Davis,
//     Van Horn, Marathon, Terlingua, Sanderson — are Central. 799 (El Paso)
//     and 885 (El Paso post office boxes) are Mountain.
//   - FL: 324 (Panama City, Marianna, Chipley, Blountstown) and 325
//     (Pensacola, Fort Walton Beach, Crestview) lie west of the
//     Apalachicola and are Central; Port St. Joe (324) is Eastern but gets
//     Central. 323 (Tallahassee, Apalachicola, Bristol) is Eastern.
//   - TN: 373 and 374 (Chattanooga, Cleveland) and 376–379 (Johnson City,
//     Knoxville) are Eastern; Marion, Grundy, Sequatchie and Bledsoe
//     counties (373: Jasper, Pikeville) are Central but get Eastern. The
//     rest — Nashville, Memphis, Jackson, Columbia, Cookeville — is Central.
//   - KY: 420–424 (Paducah, Bowling Green, Owensboro, Henderson,
//     Madisonville) are Central; 400–402 (Louisville) take the Louisville
//     zone; the rest is Eastern. Central counties in 426 (Clinton, Russell)
//     and 427 (Grayson, Hart, Adair) get Eastern.
//   - IN: 463–464 (Gary, Hammond, Valparaiso) and 476–477 (Evansville)
//     are Central; the rest is Eastern (Indianapolis zone). Starke County
//     (Knox, in 465) and Perry County (Tell City, in 475) are Central but
//     get Eastern.
//   - MI: all Eastern. Gogebic, Iron, Dickinson and Menominee counties are
//     Central, but they share 498 and 499 with Marquette, Escanaba and
//     Houghton, which outnumber them.
//   - ND: 586 (Dickinson and the southwest) is Mountain, though Glen
//     Ullin and Hebron in it are Central; the rest is Central, though
//     Grant County (Elgin, Carson, in 585) is Mountain.
//   - SD: 576 (Lemmon, Eagle Butte, McLaughlin, Timber Lake) and 577
//     (Rapid City, the Black Hills, Pine Ridge) are Mountain; Mobridge and
//     Campbell County (576) are Central but get Mountain. 575 (Pierre) is
//     Central, though Philip and Kadoka in it are Mountain.
//   - NE: 693 (Scottsbluff, Alliance, Chadron) is Mountain. 691 (North
//     Platte) stays Central though Ogallala, Sidney and Kimball in it are
//     Mountain; likewise Imperial and Benkelman in 690 (McCook) and the
//     west of Cherry County in 692.
//   - KS: all Central. Sherman, Wallace, Greeley and Hamilton counties
//     (Goodland in 677, Syracuse and Tribune in 678) are Mountain but are
//     the smaller part of their prefixes.
//   - ID: 835 (Lewiston, Grangeville) and 838 (Coeur d'Alene, Sandpoint)
//     are Pacific; the rest Mountain (Boise zone).
//   - OR: 979 (Ontario, Nyssa, Vale: Malheur County) is Mountain (Boise
//     zone), though Drewsey and Durkee in it are Pacific; the rest Pacific.
//   - AZ: no daylight saving time (Phoenix zone), except 865 (Window Rock,
//     Chinle, Fort Defiance), the Navajo Nation, which keeps it (Denver
//     zone). The Navajo towns in 860 (Tuba City, Kayenta) share it with
//     Flagstaff and the Hopi, who do not, and get Phoenix.
//
// Single-zone states have their own exceptions no prefix isolates: West
// Wendover and Jackpot, NV, keep Mountain time; Phenix City, AL, keeps
// Eastern; Alaska's Aleutians west of Unalaska (Adak, Atka) are an hour
// behind Anchorage. Each gets its state's zone.
var stateZones = map[string]stateZone{
	"AK": {zone: "America/Anchorage"},
	"AL": {zone: central},
	"AR": {zone: central},
	"AS": {zone: "Pacific/Pago_Pago"},
	"AZ": {zone: "America/Phoenix", splits: []prefixZone{{865, 865, mountain}}},
	"CA": {zone: pacific},
	"CO": {zone: mountain},
	"CT": {zone: eastern},
	"DC": {zone: eastern},
	"DE": {zone: eastern},
	"FL": {zone: eastern, splits: []prefixZone{{324, 325, central}}},
	"GA": {zone: eastern},
	"GU": {zone: "Pacific/Guam"},
	"HI": {zone: "Pacific/Honolulu"},
	"IA": {zone: central},
	"ID": {zone: boise, splits: []prefixZone{{835, 835, pacific}, {838, 838, pacific}}},
	"IL": {zone: central},
	"IN": {zone: "America/Indiana/Indianapolis", splits: []prefixZone{{463, 464, central}, {476, 477, central}}},
	"KS": {zone: central},
	"KY": {zone: eastern, splits: []prefixZone{{400, 402, "America/Kentucky/Louisville"}, {420, 424, central}}},
	"LA": {zone: central},
	"MA": {zone: eastern},
	"MD": {zone: eastern},
	"ME": {zone: eastern},
	"MI": {zone: "America/Detroit"},
	"MN": {zone: central},
	"MO": {zone: central},
	"MP": {zone: "Pacific/Saipan"},
	"MS": {zone: central},
	"MT": {zone: mountain},
	"NC": {zone: eastern},
	"ND": {zone: central, splits: []prefixZone{{586, 586, mountain}}},
	"NE": {zone: central, splits: []prefixZone{{693, 693, mountain}}},
	"NH": {zone: eastern},
	"NJ": {zone: eastern},
	"NM": {zone: mountain},
	"NV": {zone: pacific},
	"NY": {zone: eastern},
	"OH": {zone: eastern},
	"OK": {zone: central},
	"OR": {zone: pacific, splits: []prefixZone{{979, 979, boise}}},
	"PA": {zone: eastern},
	"PR": {zone: "America/Puerto_Rico"},
	"RI": {zone: eastern},
	"SC": {zone: eastern},
	"SD": {zone: central, splits: []prefixZone{{576, 577, mountain}}},
	"TN": {zone: central, splits: []prefixZone{{373, 374, eastern}, {376, 379, eastern}}},
	"TX": {zone: central, splits: []prefixZone{{798, 799, mountain}, {885, 885, mountain}}},
	"UT": {zone: mountain},
	"VA": {zone: eastern},
	"VI": {zone: "America/St_Thomas"},
	"VT": {zone: eastern},
	"WA": {zone: pacific},
	"WI": {zone: central},
	"WV": {zone: eastern},
	"WY": {zone: mountain},
}

// prefixState gives the 3-digit ZIP prefixes from..to to a state.
type prefixState struct {
	from, to int
	state    string
}

// prefixStates assigns the USPS 3-digit ZIP prefixes to states, in order.
// Military prefixes (090–099 AE, 340 AA, 962–966 AP) are left out: they
// place no site. 969 is Guam's and the Northern Marianas' (one zone's
// offset) and is taken as Guam; American Samoa's single ZIP, 96799, shares
// 967 with Hawaii and is taken as Hawaii unless the state says AS.
var prefixStates = []prefixState{
	{5, 5, "NY"}, {6, 7, "PR"}, {8, 8, "VI"}, {9, 9, "PR"},
	{10, 27, "MA"}, {28, 29, "RI"}, {30, 38, "NH"}, {39, 49, "ME"},
	{50, 54, "VT"}, {55, 55, "MA"}, {56, 59, "VT"}, {60, 69, "CT"}, {70, 89, "NJ"},
	{100, 149, "NY"}, {150, 196, "PA"}, {197, 199, "DE"},
	{200, 200, "DC"}, {201, 201, "VA"}, {202, 205, "DC"}, {206, 219, "MD"},
	{220, 246, "VA"}, {247, 268, "WV"}, {270, 289, "NC"}, {290, 299, "SC"},
	{300, 319, "GA"}, {320, 339, "FL"}, {341, 349, "FL"}, {350, 369, "AL"},
	{370, 385, "TN"}, {386, 397, "MS"}, {398, 399, "GA"},
	{400, 427, "KY"}, {430, 459, "OH"}, {460, 479, "IN"}, {480, 499, "MI"},
	{500, 528, "IA"}, {530, 549, "WI"}, {550, 567, "MN"}, {569, 569, "DC"},
	{570, 577, "SD"}, {580, 588, "ND"}, {590, 599, "MT"},
	{600, 629, "IL"}, {630, 658, "MO"}, {660, 679, "KS"}, {680, 693, "NE"},
	{700, 714, "LA"}, {716, 729, "AR"}, {730, 732, "OK"}, {733, 733, "TX"},
	{734, 749, "OK"}, {750, 799, "TX"},
	{800, 816, "CO"}, {820, 831, "WY"}, {832, 838, "ID"}, {840, 847, "UT"},
	{850, 865, "AZ"}, {870, 884, "NM"}, {885, 885, "TX"}, {889, 898, "NV"},
	{900, 961, "CA"}, {967, 968, "HI"}, {969, 969, "GU"},
	{970, 979, "OR"}, {980, 994, "WA"}, {995, 999, "AK"},
}

// stateOfPrefix is the state a 3-digit ZIP prefix belongs to, or "" when
// none does.
func stateOfPrefix(prefix int) string {
	i := sort.Search(len(prefixStates), func(i int) bool { return prefixStates[i].to >= prefix })
	if i < len(prefixStates) && prefixStates[i].from <= prefix {
		return prefixStates[i].state
	}
	return ""
}
