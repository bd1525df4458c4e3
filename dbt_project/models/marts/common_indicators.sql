{#- One row per cut-off, project (and ALL), EU common indicator and gender: the long form
    of int_common_indicators_wide that exports/<C>/common_indicators.csv is written from. -#}
with

wide as (

    select * from {{ ref('int_common_indicators_wide') }}

),

long as (

    unpivot wide
    on columns('^ee(co|cr)[0-9]{2}$')
    into name indicator value value

)

select
    cutoff,
    project_id,
    upper(indicator) as indicator,
    gender,
    cast(value as bigint) as value
from long
