"""Shared vocabulary of the chain (codes every party uses)."""
from enum import StrEnum

MAX_LEEFTIJD = 25  # oldest age a child in the chain can have (jeugdreclassering runs into young adulthood)


class GI(StrEnum):
    """The three certified institutions (gecertificeerde instellingen) of the region."""

    JBRR = "JBRR"
    WSS = "WSS"
    LJR = "LJR"


# How people read each GI's code in reports and on screens.
GI_NAMEN: dict[GI, str] = {GI.JBRR: "JBRR", GI.WSS: "WSS", GI.LJR: "LJ&R"}


GEMEENTEN: dict[str, str] = {
    "GM0599": "Rotterdam",
    "GM0613": "Albrandswaard",
    "GM0489": "Barendrecht",
    "GM0502": "Capelle aan den IJssel",
    "GM0542": "Krimpen aan den IJssel",
    "GM1621": "Lansingerland",
    "GM0556": "Maassluis",
    "GM1930": "Nissewaard",
    "GM0597": "Ridderkerk",
    "GM0606": "Schiedam",
    "GM0622": "Vlaardingen",
    "GM1992": "Voorne aan Zee",
    "GM1924": "Goeree-Overflakkee",
}


class Urgentie(StrEnum):
    SPOED = "spoed"
    REGULIER = "regulier"


class Kader(StrEnum):
    """Framework asked for: civil, criminal, or voluntary under pressure."""

    CIVIEL = "civiel"
    STRAF = "straf"
    DRANG = "drang"


class Zorg(StrEnum):
    VEILIGHEID = "veiligheid"
    ONTWIKKELINGSBEDREIGING = "ontwikkelingsbedreiging"
    HUISELIJK_GEWELD = "huiselijk_geweld"
    KINDERMISHANDELING = "kindermishandeling"
    CRIMINEEL_GEDRAG = "crimineel_gedrag"
    DREIGEND_CRIMINEEL_GEDRAG = "dreigend_crimineel_gedrag"
    VERWAARLOZING = "verwaarlozing"
    SCHOOLVERZUIM = "schoolverzuim"


class Kenmerk(StrEnum):
    LVB_KIND = "lvb_kind"
    LVB_OUDER = "lvb_ouder"
    VERSLAVING = "verslaving"
    COMPLEXE_SCHEIDING = "complexe_scheiding"
    RADICALISERING = "radicalisering"
    EERGERELATEERD_GEWELD = "eergerelateerd_geweld"
    PSYCHIATRIE_OUDER = "psychiatrie_ouder"
    LICHAMELIJKE_BEPERKING = "lichamelijke_beperking"


class Maatregel(StrEnum):
    OTS = "OTS"  # ondertoezichtstelling, family supervision order
    VOOGDIJ = "voogdij"  # guardianship
    JR = "JR"  # jeugdreclassering, juvenile probation
    DRANG = "drang"  # voluntary under pressure, JB-plein decision, no court


class Sluitreden(StrEnum):
    AFSCHALING = "afschaling"  # scaled down: back to the local team
    EINDE_MAATREGEL = "einde_maatregel"
    MEERDERJARIG = "meerderjarig"
    VERHUISD_BUITEN_REGIO = "verhuisd_buiten_regio"
    OVERIG = "overig"


class OverdrachtReden(StrEnum):
    """Reason category of a transfer, chosen by the requesting GI beside its free-text reason."""

    VERHUIZING = "verhuizing"
    EXPERTISE = "expertise"  # een andere GI heeft de passende expertise (bv. LVB, jeugdreclassering)
    CAPACITEIT = "capaciteit"  # geen ruimte: wachtlijst of caseload
    RELATIE = "relatie"  # samenwerking of vertrouwen tussen gezin en GI verstoord
    OVERIG = "overig"


class AfwijzingReden(StrEnum):
    """Reason category of a manager's rejection of a transfer, chosen beside the free-text reason
    (the text stays in caseregie)."""

    GEEN_CAPACITEIT = "geen_capaciteit"  # de ontvangende GI heeft geen ruimte
    EXPERTISE = "expertise"  # de gevraagde expertise past niet bij de casus
    CONTINUITEIT = "continuiteit"  # het kind is beter af bij de huidige jeugdbeschermer
    ONVOLDOENDE_ONDERBOUWD = "onvoldoende_onderbouwd"  # de aanvraag onderbouwt de overdracht niet
    OVERIG = "overig"


class AfwijkingReden(StrEnum):
    """Reason category of the RvdK overriding the proposed GI, chosen beside the free-text reason
    (the text stays in triage)."""

    BEKEND_BIJ_GI = "bekend_bij_gi"  # het gezin is al bekend bij (of vertrouwt) de andere GI
    EXPERTISE = "expertise"  # de andere GI heeft de passende expertise
    CAPACITEIT = "capaciteit"  # de voorgestelde GI heeft geen ruimte
    CONTINUITEIT = "continuiteit"  # broers of zussen, of eerdere hulp, bij de andere GI
    OVERIG = "overig"


class RegelsetAfwijzingReden(StrEnum):
    """Reason category of a GI manager's rejection of a proposed ruleset version, chosen beside the
    optional free text (the text stays in triage)."""

    DOELGROEP = "doelgroep"  # een regel stuurt een doelgroep naar de verkeerde expertise
    FACTSHEET = "factsheet"  # de expertisetabel zegt niet wat de GI's echt in huis hebben
    CAPACITEIT = "capaciteit"  # de GI kan de doelgroep die erbij komt nu niet opvangen
    NIET_AFGESTEMD = "niet_afgestemd"  # niet eerst in het overleg van de GI's afgestemd
    OVERIG = "overig"


class Plaatsingsvorm(StrEnum):
    """The kind of an out-of-home placement (uithuisplaatsing)."""

    NETWERKPLEEGZORG = "netwerkpleegzorg"  # pleegzorg bij familie of bekenden uit het netwerk
    BESTANDSPLEEGZORG = "bestandspleegzorg"  # pleegzorg bij een pleeggezin uit het bestand
    GEZINSHUIS = "gezinshuis"
    RESIDENTIEEL = "residentieel"  # een leefgroep of behandelgroep van een instelling
    CRISISPLEK_24UURS = "crisisplek_24uurs"  # een 24-uurs crisisplek


class Jeugdhulpvorm(StrEnum):
    """The kind of youth care (jeugdhulp) that started for a child under a measure."""

    AMBULANT = "ambulant"
    DAGBEHANDELING = "dagbehandeling"
    PLEEGZORG = "pleegzorg"
    VERBLIJF = "verblijf"  # residential care, a gezinshuis included
    GGZ = "ggz"  # youth mental health care
    OVERIG = "overig"


class ConsultatieCategorie(StrEnum):
    """The category of a local team's question for consultation & advice (C&A). Where the
    factsheet (the expertise table of the target-group rules) names an expertise of the same code,
    the question goes to a GI with that expertise; the others to the GI furthest below its share."""

    LVB = "lvb"
    JEUGDRECLASSERING = "jeugdreclassering"
    COMPLEXE_SCHEIDING = "complexe_scheiding"
    VERSLAVING = "verslaving"
    RADICALISERING_EN_EER = "radicalisering_en_eer"
    HUISELIJK_GEWELD = "huiselijk_geweld"
    OPVOEDING = "opvoeding"  # opvoedingsvragen en zorgen over de ontwikkeling
    VEILIGHEID = "veiligheid"  # is dit een zaak voor een maatregel (wel of geen drang)?
    OVERIG = "overig"


class EscalatieMaatregel(StrEnum):
    """The measures capacity's escalation plan can put in force while an escalation is open
    (EscalationRaised.maatregelen); the services that apply them read them from there."""

    GRIJS_GEBIED_MEESTE_VRIJE_PLAATSEN = "grijs_gebied_meeste_vrije_plaatsen"  # triage's advice ranking
    WACHTENDEN_OP_URGENTIE_EN_WACHTDAGEN = "wachtenden_op_urgentie_en_wachtdagen"  # caseregie's waiting list
    WEEKCIJFER_GRJR = "weekcijfer_grjr"  # capacity's weekly figure to the region
