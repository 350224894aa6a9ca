"""Probabilistic record linkage: insured, manager and household-owner records to residents;
social security units to registered organisations.

>>> sorted(__all__)[:2]
['OrgLinkResult', 'OrgLinkSettings']
"""

from matching.linkage.link import PersonLinkResult, PersonLinkSettings, link_persons
from matching.linkage.organisations import OrgLinkResult, OrgLinkSettings, link_organisations

__all__ = ["link_persons", "PersonLinkSettings", "PersonLinkResult", "link_organisations", "OrgLinkSettings",
           "OrgLinkResult"]
