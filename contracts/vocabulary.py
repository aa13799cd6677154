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
