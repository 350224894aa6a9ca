"""Probabilistic record linkage: insured, manager and household-owner records to residents;
social security units to registered organisations.

>>> sorted(__all__)[:2]
['OrgLinkResult', 'OrgLinkSettings']
"""

from matching.linkage.link import (
    PersonInputs,
    PersonLinkResult,
    PersonLinkSettings,
    link_inputs,
    link_persons,
    person_inputs,
)
from matching.linkage.organisations import OrgLinkResult, OrgLinkSettings, link_organisations

__all__ = ["link_persons", "person_inputs", "link_inputs", "PersonInputs", "PersonLinkSettings", "PersonLinkResult",
           "link_organisations", "OrgLinkSettings", "OrgLinkResult"]
