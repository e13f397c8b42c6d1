"""The IATI codes the activity export writes, each from the codelist named, as the IATI Standard publishes them."""

from __future__ import annotations

IATI_STANDARD_VERSION = "2.03"  # the activity schema the file follows (iati-activities/@version)
IATI_CODELISTS_VERSION = "2.03"  # the codelists every code below is taken from

# ActivityStatus
ACTIVITY_STATUS_PIPELINE = "1"  # Pipeline/identification: not started yet
ACTIVITY_STATUS_IMPLEMENTATION = "2"  # Implementation: under way
ACTIVITY_STATUS_FINALISATION = "3"  # Finalisation: activities complete, wrapping up

# ActivityDateType
ACTIVITY_DATE_START_PLANNED = "1"  # Planned start
ACTIVITY_DATE_START_ACTUAL = "2"  # Actual start
ACTIVITY_DATE_END_PLANNED = "3"  # Planned end

# ActivityScope
ACTIVITY_SCOPE_MULTINATIONAL = "3"  # Multi-national: several countries
ACTIVITY_SCOPE_NATIONAL = "4"  # National: one country

# DescriptionType
DESCRIPTION_TYPE_GENERAL = "1"  # General: a long description of the activity

# OrganisationRole
ORGANISATION_ROLE_IMPLEMENTING = "4"  # Implementing: the organisation that carries out the activity

# SectorVocabulary
SECTOR_VOCABULARY_DAC = "1"  # OECD DAC CRS Purpose Codes (5 digit)

# GeographicVocabulary
GEOGRAPHIC_VOCABULARY_ISO_COUNTRY = "A4"  # ISO Country (3166-1 alpha-2)

# GeographicLocationReach
LOCATION_REACH_ACTIVITY = "1"  # Activity: the location is where the activity is carried out

# GeographicExactness
EXACTNESS_APPROXIMATE = "2"  # Approximate: a whole country, not a point

# GeographicLocationClass
LOCATION_CLASS_ADMINISTRATIVE_REGION = "1"  # Administrative Region

# LocationType (GeoNames feature codes)
FEATURE_INDEPENDENT_POLITICAL_ENTITY = "PCLI"  # Independent political entity: a country

# ResultType
RESULT_TYPE_OUTPUT = "1"  # Output: what the programme delivers (children reached, services given)

# IndicatorMeasure
INDICATOR_MEASURE_UNIT = "1"  # Unit: a count
INDICATOR_MEASURE_PERCENTAGE = "2"  # Percentage

# IndicatorVocabulary
INDICATOR_VOCABULARY_REPORTING_ORGANISATION = "99"  # Reporting Organisation: the framework's own indicator code
