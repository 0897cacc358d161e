"""Word lists for the benchmark dataset: real place names, common personal names, job titles."""

from __future__ import annotations


def _words(text: str) -> list[str]:
    return text.split()


# (place, region) for CitizenPoweredCouncil members: UK local authority areas.
GB_PLACES: list[tuple[str, str]] = (
    [
        (p, "England")
        for p in _words(
            "Barnsley Bath Bedford Birmingham Blackburn Blackpool Bolton Bournemouth Bradford "
            "Brighton Bristol Bromley Buckinghamshire Bury Calderdale Cambridgeshire Camden "
            "Cheshire Cornwall Coventry Croydon Cumbria Darlington Derby Derbyshire Devon "
            "Doncaster Dorset Dudley Durham Ealing Enfield Essex Gateshead Gloucestershire "
            "Greenwich Hackney Halton Hampshire Haringey Harrow Hartlepool Herefordshire "
            "Hertfordshire Hillingdon Hounslow Islington Kent Kirklees Knowsley Lambeth "
            "Lancashire Leeds Leicester Leicestershire Lewisham Lincolnshire Liverpool Luton "
            "Manchester Medway Merton Middlesbrough Newcastle Newham Norfolk Northumberland "
            "Nottingham Nottinghamshire Oldham Oxfordshire Peterborough Plymouth Portsmouth "
            "Reading Redbridge Rochdale Rotherham Salford Sandwell Sefton Sheffield Shropshire "
            "Slough Solihull Somerset Southampton Southwark Staffordshire Stockport Stockton "
            "Suffolk Sunderland Surrey Sutton Swindon Tameside Torbay Trafford Wakefield Walsall "
            "Wandsworth Warrington Warwickshire Westminster Wigan Wiltshire Wirral Wolverhampton "
            "Worcestershire York"
        )
    ]
    + [
        (p, "Scotland")
        for p in _words(
            "Aberdeen Aberdeenshire Angus Clackmannanshire Dundee Edinburgh Falkirk Fife Glasgow "
            "Highland Inverclyde Midlothian Moray Orkney Renfrewshire Shetland Stirling "
            "East-Lothian West-Lothian East-Dunbartonshire East-Ayrshire South-Ayrshire "
            "North-Lanarkshire South-Lanarkshire Dumfries-and-Galloway Argyll-and-Bute"
        )
    ]
    + [
        (p, "Wales")
        for p in _words(
            "Anglesey Blaenau-Gwent Bridgend Caerphilly Cardiff Carmarthenshire Ceredigion Conwy "
            "Denbighshire Flintshire Gwynedd Merthyr-Tydfil Monmouthshire Neath-Port-Talbot "
            "Newport Pembrokeshire Powys Rhondda-Cynon-Taf Swansea Torfaen Vale-of-Glamorgan "
            "Wrexham"
        )
    ]
    + [
        (p, "Northern Ireland")
        for p in _words(
            "Belfast Derry-and-Strabane Armagh Newry-Mourne-and-Down Mid-Ulster "
            "Fermanagh-and-Omagh Antrim-and-Newtownabbey Lisburn-and-Castlereagh "
            "Causeway-Coast-and-Glens"
        )
    ]
)

# Kinds of CitizenPoweredCouncil member, by region.
GB_KINDS = {
    "England": [
        "{} Council",
        "{} Borough Council",
        "{} Integrated Care Board",
        "{} Council for Voluntary Service",
        "{} Fire and Rescue Service",
    ],
    "Scotland": [
        "{} Council",
        "{} Health and Social Care Partnership",
        "{} Third Sector Interface",
        "{} Community Planning Partnership",
        "Police Scotland {} Division",
    ],
    "Wales": [
        "{} County Council",
        "{} Public Services Board",
        "{} County Voluntary Council",
        "{} Housing Association",
        "{} Regional Partnership Board",
    ],
    "Northern Ireland": [
        "{} Council",
        "{} Health and Social Care Trust",
        "{} Policing and Community Safety Partnership",
        "{} Community Planning Partnership",
        "{} Housing Executive Office",
    ],
}

# (city, country, region) for CitizenPoweredCity members.
EU_CITIES: list[tuple[str, str, str]] = [
    *(
        (c, "FR", r)
        for c, r in [
            ("Paris", "Île-de-France"),
            ("Lyon", "Auvergne-Rhône-Alpes"),
            ("Grenoble", "Auvergne-Rhône-Alpes"),
            ("Marseille", "Provence-Alpes-Côte d'Azur"),
            ("Nice", "Provence-Alpes-Côte d'Azur"),
            ("Toulouse", "Occitanie"),
            ("Montpellier", "Occitanie"),
            ("Bordeaux", "Nouvelle-Aquitaine"),
            ("Poitiers", "Nouvelle-Aquitaine"),
            ("Nantes", "Pays de la Loire"),
            ("Angers", "Pays de la Loire"),
            ("Rennes", "Bretagne"),
            ("Brest", "Bretagne"),
            ("Lille", "Hauts-de-France"),
            ("Amiens", "Hauts-de-France"),
            ("Strasbourg", "Grand Est"),
            ("Metz", "Grand Est"),
            ("Nancy", "Grand Est"),
            ("Dijon", "Bourgogne-Franche-Comté"),
            ("Besançon", "Bourgogne-Franche-Comté"),
            ("Rouen", "Normandie"),
            ("Caen", "Normandie"),
            ("Tours", "Centre-Val de Loire"),
            ("Orléans", "Centre-Val de Loire"),
            ("Clermont-Ferrand", "Auvergne-Rhône-Alpes"),
            ("Saint-Étienne", "Auvergne-Rhône-Alpes"),
            ("Le Havre", "Normandie"),
            ("Limoges", "Nouvelle-Aquitaine"),
            ("Perpignan", "Occitanie"),
            ("Villeurbanne", "Auvergne-Rhône-Alpes"),
        ]
    ),
    *(
        (c, "DE", r)
        for c, r in [
            ("Berlin", "Berlin"),
            ("Hamburg", "Hamburg"),
            ("München", "Bayern"),
            ("Nürnberg", "Bayern"),
            ("Augsburg", "Bayern"),
            ("Regensburg", "Bayern"),
            ("Köln", "Nordrhein-Westfalen"),
            ("Düsseldorf", "Nordrhein-Westfalen"),
            ("Dortmund", "Nordrhein-Westfalen"),
            ("Essen", "Nordrhein-Westfalen"),
            ("Bonn", "Nordrhein-Westfalen"),
            ("Münster", "Nordrhein-Westfalen"),
            ("Frankfurt am Main", "Hessen"),
            ("Kassel", "Hessen"),
            ("Darmstadt", "Hessen"),
            ("Stuttgart", "Baden-Württemberg"),
            ("Mannheim", "Baden-Württemberg"),
            ("Konstanz", "Baden-Württemberg"),
            ("Freiburg im Breisgau", "Baden-Württemberg"),
            ("Heidelberg", "Baden-Württemberg"),
            ("Karlsruhe", "Baden-Württemberg"),
            ("Leipzig", "Sachsen"),
            ("Dresden", "Sachsen"),
            ("Hannover", "Niedersachsen"),
            ("Braunschweig", "Niedersachsen"),
            ("Bremen", "Bremen"),
            ("Kiel", "Schleswig-Holstein"),
            ("Lübeck", "Schleswig-Holstein"),
            ("Rostock", "Mecklenburg-Vorpommern"),
            ("Erfurt", "Thüringen"),
        ]
    ),
    *(
        (c, "ES", r)
        for c, r in [
            ("Madrid", "Comunidad de Madrid"),
            ("Barcelona", "Cataluña"),
            ("Girona", "Cataluña"),
            ("Tarragona", "Cataluña"),
            ("Valencia", "Comunidad Valenciana"),
            ("Alicante", "Comunidad Valenciana"),
            ("Sevilla", "Andalucía"),
            ("Málaga", "Andalucía"),
            ("Granada", "Andalucía"),
            ("Córdoba", "Andalucía"),
            ("Cádiz", "Andalucía"),
            ("Bilbao", "País Vasco"),
            ("Vitoria-Gasteiz", "País Vasco"),
            ("Donostia-San Sebastián", "País Vasco"),
            ("Zaragoza", "Aragón"),
            ("Valladolid", "Castilla y León"),
            ("Salamanca", "Castilla y León"),
            ("Burgos", "Castilla y León"),
            ("A Coruña", "Galicia"),
            ("Vigo", "Galicia"),
            ("Santiago de Compostela", "Galicia"),
            ("Oviedo", "Asturias"),
            ("Gijón", "Asturias"),
            ("Pamplona", "Navarra"),
            ("Logroño", "La Rioja"),
            ("Murcia", "Región de Murcia"),
            ("Palma", "Illes Balears"),
            ("Santander", "Cantabria"),
        ]
    ),
    *(
        (c, "IT", r)
        for c, r in [
            ("Bologna", "Emilia-Romagna"),
            ("Milano", "Lombardia"),
            ("Torino", "Piemonte"),
            ("Firenze", "Toscana"),
            ("Napoli", "Campania"),
            ("Genova", "Liguria"),
            ("Padova", "Veneto"),
            ("Trento", "Trentino-Alto Adige"),
            ("Bari", "Puglia"),
            ("Palermo", "Sicilia"),
            ("Roma", "Lazio"),
            ("Reggio Emilia", "Emilia-Romagna"),
        ]
    ),
    *(
        (c, "NL", r)
        for c, r in [
            ("Amsterdam", "Noord-Holland"),
            ("Rotterdam", "Zuid-Holland"),
            ("Den Haag", "Zuid-Holland"),
            ("Utrecht", "Utrecht"),
            ("Eindhoven", "Noord-Brabant"),
            ("Groningen", "Groningen"),
            ("Tilburg", "Noord-Brabant"),
            ("Nijmegen", "Gelderland"),
            ("Arnhem", "Gelderland"),
            ("Leiden", "Zuid-Holland"),
        ]
    ),
    *(
        (c, "BE", r)
        for c, r in [
            ("Bruxelles", "Bruxelles-Capitale"),
            ("Liège", "Wallonie"),
            ("Namur", "Wallonie"),
            ("Charleroi", "Wallonie"),
            ("Gent", "Vlaanderen"),
            ("Antwerpen", "Vlaanderen"),
            ("Leuven", "Vlaanderen"),
            ("Brugge", "Vlaanderen"),
        ]
    ),
    *(
        (c, "PT", r)
        for c, r in [
            ("Lisboa", "Lisboa"),
            ("Porto", "Norte"),
            ("Braga", "Norte"),
            ("Coimbra", "Centro"),
            ("Aveiro", "Centro"),
            ("Faro", "Algarve"),
        ]
    ),
    *(
        (c, "SE", r)
        for c, r in [
            ("Malmö", "Skåne"),
            ("Göteborg", "Västra Götaland"),
            ("Uppsala", "Uppsala"),
            ("Umeå", "Västerbotten"),
        ]
    ),
    *(
        (c, "DK", r)
        for c, r in [
            ("København", "Hovedstaden"),
            ("Aarhus", "Midtjylland"),
            ("Odense", "Syddanmark"),
            ("Aalborg", "Nordjylland"),
        ]
    ),
    *(
        (c, "IE", r)
        for c, r in [
            ("Dublin", "Leinster"),
            ("Cork", "Munster"),
            ("Galway", "Connacht"),
            ("Limerick", "Munster"),
        ]
    ),
    *(
        (c, "AT", r)
        for c, r in [("Wien", "Wien"), ("Graz", "Steiermark"), ("Linz", "Oberösterreich")]
    ),
]

# Kinds of CitizenPoweredCity member, by country.
EU_KINDS = {
    "FR": ["Ville de {}", "Métropole de {}", "CCAS de {}", "Maison des associations de {}"],
    "DE": ["Stadt {}", "Stadtverwaltung {} Bürgerbeteiligung", "Jobcenter {}", "Sozialamt {}"],
    "ES": ["Ayuntamiento de {}", "Diputación de {}", "Servicios Sociales de {}", "Consell de {}"],
    "IT": ["Comune di {}", "Città metropolitana di {}", "Servizi Sociali di {}"],
    "NL": ["Gemeente {}", "Wijkteams {}", "GGD {}"],
    "BE": ["Ville de {}", "Stad {}", "CPAS de {}"],
    "PT": ["Câmara Municipal de {}", "Junta de Freguesia de {}", "Santa Casa de {}"],
    "SE": ["{} kommun", "{} stad Social resursförvaltning"],
    "DK": ["{} Kommune", "{} Borgerservice"],
    "IE": ["{} City Council", "{} Local Community Development Committee"],
    "AT": ["Stadt {}", "Magistrat {}"],
}

# First and last names by language of the person.
FIRST_NAMES = {
    "en": _words(
        "Oliver Amelia George Isla Harry Ava Jack Mia Jacob Emily Charlie Grace Thomas Sophie "
        "James Olivia William Lily Daniel Hannah Fiona Iain Morag Callum Aisha Raj Priya "
        "Mohammed Fatima Sean Niamh Ciaran Aoife Kevin Claire Paul Karen David Sarah Michael "
        "Rachel Andrew Laura Stuart Heather Ewan Kirsty"
    ),
    "cy": _words(
        "Dafydd Gwenllian Rhys Siân Huw Cerys Owain Ffion Gareth Eleri Iwan Nia Llŷr Mared "
        "Aled Catrin Emyr Lowri Geraint Angharad Hywel Bethan Ioan Elin Cai Manon Tomos Alaw"
    ),
    "fr": _words(
        "Camille Léa Manon Chloé Emma Inès Sarah Louise Thomas Lucas Hugo Nathan Louis Gabriel "
        "Jules Arthur Mathilde Juliette Pauline Élodie Nicolas Julien Antoine Maxime Sophie "
        "Claire Aurélie Céline Benoît François"
    ),
    "es": _words(
        "Lucía María Paula Sofía Carmen Laura Marta Ane Irene Elena Alejandro Daniel Pablo "
        "Javier Sergio Carlos Manuel Jorge Iker Unai Álvaro Raúl Nerea Ainhoa Itziar Mikel "
        "Beatriz Rocío Andrés Joaquín"
    ),
    "de": _words(
        "Julia Anna Lena Laura Sarah Katharina Lisa Johanna Sophie Marie Lukas Jonas Leon "
        "Felix Maximilian Paul Tobias Jan Moritz Florian Sebastian Stefan Jürgen Claudia "
        "Sabine Ulrike Matthias Andreas Björn Franziska"
    ),
}
LAST_NAMES = {
    "en": _words(
        "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans "
        "Walker White Roberts Green Hall Wood Jackson Clarke Patel Khan Hughes Campbell McLeod "
        "Stewart Grant Reid Murray Ross Fraser Kelly O'Neill Murphy Walsh Byrne Begum Ahmed "
        "Singh Edwards Turner Collins Morris Cooper Ward Harrison"
    ),
    "cy": _words(
        "Jones Williams Davies Evans Thomas Roberts Hughes Lewis Morgan Griffiths Owen Price "
        "Pryce Rees Jenkins Lloyd Parry Pritchard Ellis Dafydd Bowen Powell Vaughan Prosser "
        "Howells Llewellyn ap-Rhys"
    ),
    "fr": _words(
        "Martin Bernard Thomas Petit Robert Richard Durand Dubois Moreau Laurent Simon Michel "
        "Lefebvre Leroy Roux David Bertrand Morel Fournier Girard Bonnet Dupont Lambert "
        "Fontaine Rousseau Vincent Muller Lefèvre Faure André Mercier Blanc Guérin Boyer"
    ),
    "es": _words(
        "García Rodríguez González Fernández López Martínez Sánchez Pérez Gómez Martín Jiménez "
        "Ruiz Hernández Díaz Moreno Álvarez Muñoz Romero Alonso Gutiérrez Navarro Torres "
        "Domínguez Etxeberria Aguirre Goikoetxea Urrutia Vázquez Ramos Castro"
    ),
    "de": _words(
        "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer "
        "Koch Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger "
        "Hofmann Hartmann Lange Schmitt Werner Krause Meier Lehmann"
    ),
}

JOB_TITLES = {
    "en": [
        "Chief Executive",
        "Head of Community Planning",
        "Commissioning Manager",
        "Adult Social Care Lead",
        "Locality Manager",
        "Service Improvement Officer",
        "Community Engagement Officer",
        "Policy Officer",
        "Director of Public Health",
        "Head of Children's Services",
        "Co-production Lead",
        "Partnerships Manager",
        "Councillor",
        "Service User Representative",
        "Training Coordinator",
        "Housing Officer",
        "Social Worker",
        "Project Manager",
    ],
    "cy": [
        "Swyddog Cymunedau",
        "Pennaeth Partneriaethau",
        "Rheolwr Rhaglen",
        "Swyddog Polisi",
        "Cynghorydd",
        "Swyddog Ymgysylltu",
    ],
    "fr": [
        "Chargée de formation",
        "Cheffe de projet participation",
        "Directeur de la citoyenneté",
        "Élu à la démocratie locale",
        "Responsable des solidarités",
        "Chargé de mission",
        "Travailleuse sociale",
    ],
    "es": [
        "Técnica de participación ciudadana",
        "Concejal de participación",
        "Jefe de servicio",
        "Trabajadora social",
        "Coordinador de proyectos",
    ],
    "de": [
        "Referentin Bürgerbeteiligung",
        "Stadtplaner",
        "Amtsleiterin Soziales",
        "Sachbearbeiter",
        "Projektleiterin",
        "Stadtrat",
    ],
}

# (slug, name, countries, network, GB regions it works in or None)
PARTNERS: list[tuple[str, str, list[str], str, str | None]] = [
    ("wales", "Co-Production Cymru Partnership", ["GB"], "COUNCIL", "Wales"),
    ("scotland", "Scottish Co-Production Alliance", ["GB"], "COUNCIL", "Scotland"),
    ("northern-ireland", "Co-Production Northern Ireland", ["GB"], "COUNCIL", "Northern Ireland"),
    ("north-england", "Northern Co-Production Network", ["GB"], "COUNCIL", "England"),
    ("south-england", "Southern Co-Production Network", ["GB"], "COUNCIL", "England"),
    ("france", "Réseau Villes Citoyennes", ["FR", "BE"], "CITY", None),
    ("germany", "Netzwerk Bürgerstadt", ["DE", "AT"], "CITY", None),
    ("spain", "Red Ciudades Ciudadanas", ["ES", "PT"], "CITY", None),
    ("italy", "Rete Città Cittadine", ["IT"], "CITY", None),
    ("benelux", "Burgerstad Benelux", ["NL", "BE"], "CITY", None),
    ("nordics", "Nordic Citizen Cities", ["SE", "DK"], "CITY", None),
    ("ireland", "Citizen Cities Ireland", ["IE"], "CITY", None),
]
