{#- One row per cut-off, project (and ALL), EU common indicator and gender: the long form
    of int_common_indicators_wide that exports/<C>/common_indicators.csv is written from, with
    the cell key of each count (ckey, docs/indicators.md "Publication"; not exported). -#}
with

wide as (

    select * from {{ ref('int_common_indicators_wide') }}

),

counts as (

    unpivot (select columns('^(cutoff|project_id|gender|ee(co|cr)[0-9]{2})$') from wide)
    on columns('^ee(co|cr)[0-9]{2}$')
    into name indicator value value

),

cell_keys as (

    unpivot (select columns('^(cutoff|project_id|gender|ee(co|cr)[0-9]{2}_ckey)$') from wide)
    on columns('_ckey$')
    into name indicator value ckey

)

select
    counts.cutoff,
    counts.project_id,
    upper(counts.indicator) as indicator,
    counts.gender,
    cast(counts.value as bigint) as value,
    cast(cell_keys.ckey as integer) as ckey
from counts
inner join cell_keys
    on counts.cutoff = cell_keys.cutoff
        and counts.project_id = cell_keys.project_id
        and counts.gender = cell_keys.gender
        and cell_keys.indicator = counts.indicator || '_ckey'
